"""Audio sources that fill a ring buffer: a capture device or a file.

Sources run at the edge: a PortAudio callback (device) or a reader thread
(file, optionally paced like a live stream). Both only copy samples into the
ring buffer; everything else happens in the engine's worker.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deepfake_live.audio.devices import InputDevice, _sd
from deepfake_live.audio.files import iter_blocks, probe
from deepfake_live.audio.ring_buffer import RingBuffer
from deepfake_live.errors import AudioFileError, DeepfakeLiveError, DeviceError


@dataclass
class SourceHealth:
    """Counters a source keeps about its own delivery."""

    callbacks: int = 0
    input_overflows: int = 0
    error: str | None = None  # set when the source died (device lost, read failure)
    finished: bool = False  # a file source reached its end


class AudioSource:
    """Base: something that writes samples into ``self.ring`` once started."""

    name: str = "source"
    sample_rate: int = 16000
    channels: int = 1
    ring: RingBuffer

    def __init__(self) -> None:
        self.health = SourceHealth()

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    @property
    def is_live(self) -> bool:
        return True

    def check_alive(self) -> str | None:
        """Polled by the engine: a message once the source has died."""
        return self.health.error

    def describe(self) -> str:
        return f"{self.name} ({self.sample_rate} Hz, {self.channels} ch)"


class DeviceSource(AudioSource):
    """A PortAudio input (microphone or loopback) through sounddevice."""

    STALL_S = 3.0

    def __init__(self, device: InputDevice, ring_seconds: float = 10.0, block_ms: float = 20.0,
                 sample_rate: int | None = None) -> None:
        super().__init__()
        self.device = device
        self.name = device.name
        self.sample_rate = int(sample_rate or device.default_rate)
        self.channels = min(2, device.channels)
        self.ring = RingBuffer(int(ring_seconds * self.sample_rate), self.channels)
        self._block = max(16, int(self.sample_rate * block_ms / 1000))
        self._stream = None

    def _callback(self, indata, frames, time_info, status) -> None:  # PortAudio thread: copy only
        if status.input_overflow:
            self.health.input_overflows += 1
        self.ring.write(indata)
        self.health.callbacks += 1

    def _finished(self) -> None:
        if self._stream is not None and not self._stopping:
            self.health.error = f"input device '{self.name}' stopped delivering audio (disconnected?)"

    def start(self) -> None:
        sd = _sd()
        self._stopping = False
        self.device.select()
        try:
            self._stream = sd.InputStream(
                device=self.device.index, channels=self.channels, samplerate=self.sample_rate, dtype="float32",
                blocksize=self._block, callback=self._callback, finished_callback=self._finished,
            )
            self._stream.start()
            self._started_at = time.monotonic()
        except Exception as exc:  # noqa: BLE001 - PortAudioError, ValueError...
            self._stream = None
            raise DeviceError(f"cannot open input device '{self.name}' at {self.sample_rate} Hz ({_first_line(exc)})") from None

    def stop(self) -> None:
        self._stopping = True
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # noqa: BLE001 - a vanished device may fail to close; nothing left to save
                pass

    def check_alive(self) -> str | None:
        """Polled by the engine: a message if the stream died or went silent under us.

        A vanished device does not always end the stream (ALSA/Pulse may just stop
        calling back), so a stall watchdog backs up PortAudio's own signals.
        """
        if self.health.error:
            return self.health.error
        stream = self._stream
        if stream is None or self._stopping:
            return None
        now = time.monotonic()
        if not stream.active:
            self.health.error = f"input device '{self.name}' stopped (disconnected or taken by another program)"
        elif self.health.callbacks == 0 and now - self._started_at > self.STALL_S + 2.0:
            self.health.error = f"input device '{self.name}' delivers no audio (muted, busy or not connected?)"
        elif self.health.callbacks and now - self.ring.last_write_time > self.STALL_S:
            self.health.error = f"input device '{self.name}' stopped delivering audio for {self.STALL_S:.0f} s (disconnected?)"
        return self.health.error


class FileSource(AudioSource):
    """A file read into the ring buffer, paced in real time or as fast as the consumer drains it."""

    def __init__(self, path: str | Path, sample_rate: int = 16000, realtime: bool = True, ring_seconds: float = 10.0,
                 block_ms: float = 20.0, loop: bool = False) -> None:
        super().__init__()
        self.info = probe(path)
        self.path = Path(path)
        self.name = f"file:{self.path.name}"
        self.sample_rate = sample_rate
        self.channels = 1
        self.realtime = realtime
        self.loop = loop
        self.ring = RingBuffer(int(ring_seconds * sample_rate), 1)
        self._block = max(1, int(sample_rate * block_ms / 1000))
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def is_live(self) -> bool:
        return self.realtime

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="file-source", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        t0 = time.monotonic()
        sent = 0
        try:
            while not self._stop.is_set():
                for chunk in iter_blocks(self.path, self.sample_rate, block_seconds=0.5):
                    for i in range(0, chunk.size, self._block):
                        if self._stop.is_set():
                            return
                        block = chunk[i : i + self._block]
                        if self.realtime:
                            due = t0 + (sent + block.size) / self.sample_rate
                            delay = due - time.monotonic()
                            if delay > 0:
                                self._stop.wait(delay)
                        else:
                            # Fast mode: never lap the consumer, so no audio is lost.
                            while self.ring.written + block.size - self.ring.read_position > self.ring.capacity:
                                if self._stop.wait(0.002):
                                    return
                        self.ring.write(block)
                        sent += block.size
                        self.health.callbacks += 1
                if not self.loop:
                    break
        except (AudioFileError, DeepfakeLiveError) as exc:
            self.health.error = str(exc)
        finally:
            self.health.finished = True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        self._thread = None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


def mono(block: np.ndarray) -> np.ndarray:
    """Down-mix (frames, channels) to mono for the model."""
    return block[:, 0] if block.shape[1] == 1 else block.mean(axis=1)
