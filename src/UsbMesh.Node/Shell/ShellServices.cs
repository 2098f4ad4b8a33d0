using Serilog.Core;
using UsbMesh.Actors;
using UsbMesh.Configuration;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Remote;
using UsbMesh.Mesh.Trust;

namespace UsbMesh.Node.Shell;

/// <summary>What the commands act on: the node's settings, identity, trust and actors.</summary>
public sealed class ShellServices
{
    /// <summary>How long a command waits for one of the node's actors to answer.</summary>
    public static readonly TimeSpan AskLimit = TimeSpan.FromSeconds(5);

    public required ActorSystem System { get; init; }

    public required NodeSettings Settings { get; init; }

    /// <summary>The merged configuration, as the node read it (for <c>node config</c>).</summary>
    public required Config Config { get; init; }

    public required NodeIdentity Identity { get; init; }

    public required TrustStore Trust { get; init; }

    public required Remoting Remoting { get; init; }

    /// <summary>The mesh actor: membership and device directory.</summary>
    public required IActorRef Mesh { get; init; }

    /// <summary>The exports registry (<c>/user/exports</c>).</summary>
    public required IActorRef Exports { get; init; }

    /// <summary>The emulated devices (<c>/user/gadgets</c>).</summary>
    public required IActorRef Gadgets { get; init; }

    /// <summary>The devices this node imports (<c>/user/imports</c>).</summary>
    public required IActorRef Imports { get; init; }

    /// <summary>The sessions this node serves (<c>/user/sessions</c>).</summary>
    public required IActorRef Sessions { get; init; }

    /// <summary>The mesh devices offered on the usbipd endpoint (<c>/user/mesh-devices</c>).</summary>
    public required IActorRef MeshDevices { get; init; }

    /// <summary>The running log level, or null when the logger was not built with a switch.</summary>
    public LoggingLevelSwitch? LogLevel { get; init; }

    /// <summary>The Prometheus text of the node's metrics, or null when metrics are off.</summary>
    public Func<string>? Metrics { get; init; }

    public string NodeName => Settings.Name;

    /// <summary>Asks <paramref name="actor"/>; no answer in time is an error a person can act on.</summary>
    public async Task<T> AskAsync<T>(IActorRef actor, object message, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await actor.Ask<T>(message, AskLimit, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new ShellCommandException(UsbMesh.Shell.ShellErrors.Unavailable, $"The node's {what} did not answer within {AskLimit.TotalSeconds:0} s; the node may be overloaded or stopping.");
        }
    }

    /// <summary>The name this node uses for a peer: its trust list name, else the short form of its id.</summary>
    public string NameOf(NodeId peer) => Trust.Current.Find(peer)?.Name ?? peer.Short;
}
