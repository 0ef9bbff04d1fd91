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


class NativeAwaitable:
    """Like granian's send: an awaitable that is no coroutine (its ``__await__`` iterator has no ``send``)."""

    def __init__(self, sink: list, message: dict, blocker: asyncio.Future | None):
        self.sink, self.message, self.blocker = sink, message, blocker

    def __await__(self):
        return self._Steps(self)

    class _Steps:
        def __init__(self, outer):
            self.outer, self.yielded = outer, False

        def __iter__(self):
            return self

        def __next__(self):
            blocker = self.outer.blocker
            if blocker is not None and not blocker.done() and not self.yielded:
                self.yielded = True
                blocker._asyncio_future_blocking = True
                return blocker
            self.outer.sink.append(self.outer.message["text"])
            raise StopIteration


def test_a_server_whose_send_is_no_coroutine_gets_every_frame_in_order():
    async def scenario():
        written: list[str] = []
        paused = asyncio.get_running_loop().create_future()
        state = {"blocker": None}
        writer = FrameWriter(lambda message: NativeAwaitable(written, message, state["blocker"]))
        writer.write("a")
        state["blocker"] = paused  # flow control: the next send waits
        writer.write("b")
        state["blocker"] = None
        writer.write("c")
        before = written[:]
        paused.set_result(None)
        for _ in range(10):
            await asyncio.sleep(0)
        return before, written, writer.closed

    assert asyncio.run(scenario()) == (["a"], ["a", "b", "c"], False)


def test_an_unexpected_failure_is_logged_and_stops_the_writer(caplog):
    async def refuse(message):
        raise RuntimeError("Expected ASGI message 'websocket.send'")

    async def scenario():
        writer = FrameWriter(refuse)
        writer.write("x")
        return writer.closed

    assert asyncio.run(scenario()) is True
    assert [r.levelname for r in caplog.records if r.name == "lernen25.sockets"] == ["ERROR"]
