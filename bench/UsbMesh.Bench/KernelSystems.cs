using UsbMesh.Actors;
using UsbMesh.Actors.Dispatch;
using UsbMesh.Actors.Event;

namespace UsbMesh.Bench;

/// <summary>How the benchmarks create actor systems.</summary>
internal static class KernelSystems
{
    /// <summary>The default-dispatcher throughput of the "high throughput" variants (the built-in default is 30).</summary>
    public const int HighThroughput = 300;

    /// <summary>
    /// A system as configured by default, except logging (warnings only); with <paramref name="throughput"/>, the
    /// default dispatcher processes that many messages per actor turn instead of the built-in default.
    /// </summary>
    public static ActorSystem Create(string name, int? throughput = null)
    {
        var settings = ActorSystemSettings.Default with { LogLevel = LogLevel.Warning };
        if (throughput is { } messagesPerTurn)
        {
            settings = settings.WithDispatcher(
                Dispatchers.DefaultDispatcherId, new DispatcherSettings(DispatcherSettings.ThreadPoolType, messagesPerTurn));
        }

        return ActorSystem.Create(name, settings);
    }

    public static void Shutdown(ActorSystem? system)
    {
        if (system is not null && !system.Terminate().Wait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException($"{system} did not terminate within 30 s.");
        }
    }
}
