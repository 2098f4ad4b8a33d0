using UsbMesh.Actors;

namespace UsbMesh.Bench;

/// <summary>Counts <see cref="Msg"/>s and signals when a run is complete.</summary>
internal sealed class CountingActor : ReceiveActor
{
    private long _count;

    public CountingActor(Completion completion)
    {
        Receive<Msg>(_ =>
        {
            if (++_count == completion.Expected)
            {
                _count = 0;
                completion.Signal();
            }
        });
    }
}

/// <summary>Answers every <see cref="Ping"/> with a <see cref="Pong"/> to its sender.</summary>
internal sealed class PongActor : ReceiveActor
{
    public PongActor()
    {
        Receive<Ping>(_ => Sender.Tell(Pong.Instance, Self));
    }
}

/// <summary>On <see cref="StartRun"/>, plays <see cref="Completion.Expected"/> round trips with the ponger it was given.</summary>
internal sealed class PingActor : ReceiveActor
{
    private long _remaining;

    public PingActor(IActorRef ponger, Completion completion)
    {
        Receive<StartRun>(_ =>
        {
            _remaining = completion.Expected;
            ponger.Tell(Ping.Instance, Self);
        });
        Receive<Pong>(_ =>
        {
            if (--_remaining == 0)
            {
                completion.Signal();
            }
            else
            {
                Sender.Tell(Ping.Instance, Self);
            }
        });
    }
}
