"""``--store PATH``: copy the run into a local (or mounted) folder."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from scanner.delivery.store.destination import Destination, StoreSettings, Uploader, UploadFailure


@dataclass(frozen=True)
class FolderUploader:
    root: Path

    def put(self, key: str, source: Path, content_type: str) -> None:
        del content_type  # a file system keeps no content type
        target = self.root.joinpath(*PurePosixPath(key).parts)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        except OSError as exc:
            raise UploadFailure(f"{exc.strerror or exc} ({target})") from exc


def open_folder(destination: Destination, settings: StoreSettings) -> Uploader:
    del settings
    return FolderUploader(Path(destination.root[0]))
