"""lernen25.sockets.FrameWriter: frames in order, at once while the way is free, queued while a send waits."""

from __future__ import annotations

import asyncio

from lernen25.sockets import FrameWriter


class Transport:
    """An ASGI send that completes at once unless paused, like uvicorn's and daphne's."""

    def __init__(self):
        self.written: list[str] = []
        self.resumed = asyncio.Event()
        self.resumed.set()
        self.fail = False

    async def send(self, message):
        await self.resumed.wait()  # does not suspend while set
        if self.fail:
            raise ConnectionResetError
        self.written.append(message["text"])


def test_frames_go_out_at_once_while_the_transport_takes_them():
    async def scenario():
        transport = Transport()
        writer = FrameWriter(transport.send)
        writer.write("a")
        writer.write("b", counted=True)
        return transport.written[:], writer.queued  # before any other task ran

    assert asyncio.run(scenario()) == (["a", "b"], 0)


def test_a_paused_transport_queues_later_frames_and_writes_them_in_order():
    async def scenario():
        transport = Transport()
        writer = FrameWriter(transport.send)
        writer.write("1")
        transport.resumed.clear()  # the client stopped reading
        writer.write("2", counted=True)  # suspends inside the server's send
        writer.write("3", counted=True)
        writer.write("4")
        waiting = (transport.written[:], writer.queued)
        transport.resumed.set()
        for _ in range(10):
            await asyncio.sleep(0)
        writer.write("5")
        for _ in range(10):
            await asyncio.sleep(0)
        return waiting, transport.written, writer.queued

    waiting, written, queued = asyncio.run(scenario())
    assert waiting == (["1"], 1)  # "2" is in the suspended send; "3" (counted) and "4" wait
    assert written == ["1", "2", "3", "4", "5"]
    assert queued == 0


def test_a_failed_send_stops_the_writer_and_close_drops_what_waits():
    async def scenario():
        transport = Transport()
        writer = FrameWriter(transport.send)
        transport.fail = True
        writer.write("lost")  # the connection is gone: no exception reaches the caller
        failed = writer.closed
        transport.fail = False
        writer.write("after")
        other = FrameWriter(transport.send)
        transport.resumed.clear()
        other.write("stuck")
        other.write("never", counted=True)
        other.close()
        transport.resumed.set()
        for _ in range(10):
            await asyncio.sleep(0)
        return failed, transport.written

    failed, written = asyncio.run(scenario())
    assert failed is True
    assert written == []  # nothing after a failure, nothing of a closed writer
