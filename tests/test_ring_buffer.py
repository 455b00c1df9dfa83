import threading

import numpy as np

from deepfake_live.audio.ring_buffer import RingBuffer


def test_wrap_around_keeps_order_and_indices():
    rb = RingBuffer(10)
    rb.write(np.arange(7, dtype=np.float32))
    start, data = rb.read()
    assert start == 0 and data[:, 0].tolist() == list(range(7))
    rb.write(np.arange(7, 15, dtype=np.float32))  # wraps
    start, data = rb.read()
    assert start == 7 and data[:, 0].tolist() == list(range(7, 15))
    assert rb.lost_samples == 0 and rb.overruns == 0


def test_overrun_is_counted_and_read_resumes_at_oldest_intact_sample():
    rb = RingBuffer(8)
    rb.write(np.arange(20, dtype=np.float32))
    start, data = rb.read()
    assert start == 12 and data[:, 0].tolist() == list(range(12, 20))
    assert rb.lost_samples == 12 and rb.overruns == 1


def test_multichannel_and_latest_do_not_consume():
    rb = RingBuffer(16, channels=2)
    block = np.stack([np.arange(6), -np.arange(6)], axis=1).astype(np.float32)
    rb.write(block)
    idx, last = rb.latest(3)
    assert idx == 3 and last[:, 1].tolist() == [-3, -4, -5]
    assert rb.read()[1].shape == (6, 2)


def test_skip_to_counts_nothing_as_lost():
    rb = RingBuffer(100)
    rb.write(np.ones(50, np.float32))
    assert rb.skip_to(40) == 40
    start, data = rb.read()
    assert start == 40 and data.shape[0] == 10 and rb.lost_samples == 0


def test_concurrent_producer_consumer_sees_every_sample_once_in_order():
    rb = RingBuffer(4096)
    total, block = 400_000, 160
    received: list[np.ndarray] = []
    done = threading.Event()

    def produce():
        for i in range(0, total, block):
            rb.write(np.arange(i, i + block, dtype=np.float64).astype(np.float32))
            if (i // block) % 50 == 0:
                threading.Event().wait(0.0005)
        done.set()

    t = threading.Thread(target=produce)
    t.start()
    next_index = 0
    while not (done.is_set() and rb.read_position == rb.written):
        start, data = rb.read()
        if data.size:
            # Any gap must be accounted for as lost samples; values must match their stream index.
            assert start >= next_index
            np.testing.assert_array_equal(data[:, 0], np.arange(start, start + data.shape[0], dtype=np.float32))
            received.append(data[:, 0])
            next_index = start + data.shape[0]
    t.join()
    got = sum(r.size for r in received)
    assert got + rb.lost_samples == total
