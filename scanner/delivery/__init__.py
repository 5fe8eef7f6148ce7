"""What a scan sends out once its reports are written: webhook alerts and result uploads.

Both are opt-in. An alert that cannot be delivered is reported and never changes the
scan's exit code; an upload that fails is reported and exits 2, after the reports are on
disk. Uploads are the only writes auditgraph ever makes to a cloud.
"""
