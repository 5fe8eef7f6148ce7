"""The pure ARM JSON → props mappings of the Azure service modules, on the shapes the
reference fixtures do not cover."""

from __future__ import annotations

from scanner.collectors.azure import (
    connectivity,
    keyvault,
    keyvault_keys,
    monitor,
    network,
    storage,
)
from scanner.model.props import normalise_props


def test_nsg_rules_expand_prefixes_and_port_ranges_in_priority_order() -> None:
    nsg = {
        "properties": {
            "securityRules": [
                {
                    "properties": {
                        "priority": 300,
                        "direction": "Outbound",
                        "access": "Allow",
                        "protocol": "Udp",
                        "sourceAddressPrefix": "10.0.0.0/8",
                        "destinationPortRange": "*",
                    }
                },
                {
                    "properties": {
                        "priority": 100,
                        "direction": "Inbound",
                        "access": "Allow",
                        "protocol": "Tcp",
                        "sourceAddressPrefixes": ["0.0.0.0/0", "Internet"],
                        "destinationPortRanges": ["22", "3389-3390"],
                    }
                },
            ]
        }
    }
    assert network.nsg_props(nsg)["rules"] == [
        {
            "direction": "ingress",
            "action": "allow",
            "protocol": "tcp",
            "source": src,
            "port_from": low,
            "port_to": high,
        }
        for src in ("0.0.0.0/0", "Internet")
        for low, high in ((22, 22), (3389, 3390))
    ] + [
        {
            "direction": "egress",
            "action": "allow",
            "protocol": "udp",
            "source": "10.0.0.0/8",
            "port_from": None,
            "port_to": None,
        }
    ]


def test_a_vpn_on_default_proposals_tells_only_status_and_ike_version() -> None:
    connection = {
        "tags": {"link_role": "Primary"},
        "properties": {
            "connectionType": "IPsec",
            "connectionProtocol": "IKEv1",
            "connectionStatus": "NotConnected",
        },
    }
    assert connectivity.vpn_props(connection) == {
        "role": "primary",
        "peer_cloud": None,
        "tunnels": [{"status": "down", "ike_version": "v1"}],
    }


def test_vpn_gcm_and_no_pfs_are_named() -> None:
    policy = {
        "ikeEncryption": "GCMAES256",
        "ipsecEncryption": "GCMAES256",
        "ikeIntegrity": "SHA384",
        "ipsecIntegrity": "GCMAES256",
        "dhGroup": "ECP384",
        "pfsGroup": "None",
    }
    connection = {
        "properties": {
            "connectionProtocol": "IKEv2",
            "connectionStatus": "Connected",
            "ipsecPolicies": [policy],
        }
    }
    assert connectivity.tunnel(connection) == {
        "status": "up",
        "ike_version": "v2",
        "encryption": ["AES256-GCM"],
        "integrity": ["GCMAES256", "SHA2-384"],
        "dh_groups": [384],
        "pfs": False,
    }


def test_rotation_before_expiry_and_iso_durations() -> None:
    policy = {
        "attributes": {"expiryTime": "P2Y"},
        "lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P1M"}, "action": {"type": "rotate"}}],
    }
    assert keyvault_keys.rotation_props(policy, 0) == {
        "rotation_enabled": True,
        "rotation_period_days": 700,
    }
    assert keyvault_keys.days("P1Y2M3D") == 428
    assert keyvault_keys.days("PT12H") is None


def test_a_software_ec_key_without_policy_read() -> None:
    key = {"properties": {"kty": "EC", "curveName": "P-384", "attributes": {"enabled": False}}}
    assert normalise_props("key", keyvault_keys.key_props(key, "vault-uid")) == {
        "protection": "software",
        "algorithm": "EC",
        "length_bits": 384,
        "origin": "generated",
        "lineage": "provider_generated",
        "state": "disabled",
        "vault_uid": "vault-uid",
    }


def test_a_standard_vault_with_soft_delete_off_and_no_network_setting() -> None:
    vault = {"properties": {"sku": {"name": "standard"}, "enableSoftDelete": False}}
    assert normalise_props("vault", keyvault.vault_props(vault, managed_hsm=False)) == {
        "vault_type": "standard",
        "hsm_backed": False,
        "soft_delete": False,
        "purge_protection": False,
    }


def test_a_locally_redundant_account_has_no_secondary() -> None:
    account = {
        "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a",
        "name": "a",
        "location": "westeurope",
        "sku": {"name": "Standard_ZRS"},
        "properties": {"secondaryLocation": None, "encryption": {}},
    }
    (only,) = storage.to_resources(account, "s")
    assert only.props == {"encrypted": True, "public_access": False}


def test_an_active_active_gateway_connection_has_two_tunnels() -> None:
    connection = {
        "properties": {
            "connectionProtocol": "IKEv2",
            "connectionStatus": "Connected",
            "tunnelConnectionHealth": [
                {"tunnel": "a", "connectionStatus": "Connected"},
                {"tunnel": "b", "connectionStatus": "NotConnected"},
            ],
        }
    }
    assert connectivity.vpn_props(connection)["tunnels"] == [
        {"status": "up", "ike_version": "v2"},
        {"status": "down", "ike_version": "v2"},
    ]


def test_category_groups_count_as_every_category() -> None:
    grouped = [{"properties": {"logs": [{"categoryGroup": "allLogs", "enabled": True}]}}]
    assert storage.logs_data_events(grouped) is True
    assert monitor.trail_props(grouped[0])["is_logging"] is True
    read_only = [{"properties": {"logs": [{"category": "StorageRead", "enabled": True}]}}]
    assert storage.logs_data_events(read_only) is False


def test_blob_public_access_left_out_is_off() -> None:
    assert storage.account_props({"id": "a", "name": "a", "properties": {}}, {}) == {
        "data_class": None,
        "public_access": False,
        "encrypted": True,
        "cmk": None,
        "kms_key_uid": None,
        "https_only": None,
        "min_tls_version": None,
    }
