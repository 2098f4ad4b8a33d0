using System.Diagnostics;
using UsbMesh.Actors;

namespace UsbMesh.Bench.Mesh;

/// <summary>Streams messages to a sink on another node, keeping <see cref="StreamWindow.InFlight"/> unacknowledged.</summary>
internal sealed class StreamSender : ReceiveActor
{
    private StartStream? _run;
    private long _sent;
    private long _acked;
    private long _end;

    public StreamSender(IActorRef sink)
    {
        Receive<StartStream>(start =>
        {
            // Acks count from the sink's start, so a run ends at the count where the previous one ended plus its own.
            _run = start;
            _end = _acked + start.Count;
            Fill(sink);
        });
        Receive<StreamAck>(ack =>
        {
            _acked = ack.Received;
            if (_acked == _end)
            {
                _run?.Done.TrySetResult();
            }
            else
            {
                Fill(sink);
            }
        });
    }

    private void Fill(IActorRef sink)
    {
        while (_sent < _end && _sent - _acked < StreamWindow.InFlight)
        {
            sink.Tell(_run!.Message, Self);
            _sent++;
        }
    }
}

/// <summary>Counts whatever it receives and acknowledges every <see cref="StreamWindow.AckEvery"/> messages.</summary>
internal sealed class StreamSink : ReceiveActor
{
    private long _received;

    public StreamSink()
    {
        ReceiveAny(_ =>
        {
            if (++_received % StreamWindow.AckEvery == 0)
            {
                Sender.Tell(new StreamAck(_received), Self);
            }
        });
    }
}

/// <summary>Sends what it receives back to its sender.</summary>
internal sealed class Bouncer : ReceiveActor
{
    public Bouncer() => ReceiveAny(message => Sender.Tell(message, Self));
}

/// <summary>Plays round trips with a <see cref="Bouncer"/> on another node, one at a time, timing each.</summary>
internal sealed class Pinger : ReceiveActor
{
    private StartPings? _run;
    private List<double> _trips = [];
    private long _start;

    public Pinger(IActorRef bouncer)
    {
        Receive<StartPings>(start =>
        {
            _run = start;
            _trips = new List<double>(start.Count);
            Ping(bouncer);
        });
        ReceiveAny(_ =>
        {
            _trips.Add(Stopwatch.GetElapsedTime(_start).TotalMicroseconds);
            if (_trips.Count == _run!.Count)
            {
                _run.Done.TrySetResult(_trips);
            }
            else
            {
                Ping(bouncer);
            }
        });
    }

    private void Ping(IActorRef bouncer)
    {
        _start = Stopwatch.GetTimestamp();
        bouncer.Tell(_run!.Message, Self);
    }
}
