using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using UsbMesh.Mesh.Identity;
using UsbMesh.Mesh.Transport;
using UsbMesh.Mesh.Trust;

namespace UsbMesh.Node;

/// <summary>The transports of <c>usbmesh.transports.enabled</c>, in order; QUIC only where the system has it.</summary>
internal static partial class MeshTransports
{
    public static IReadOnlyList<ITransport> Create(TransportSettings settings, AdmissionSettings listen, NodeIdentity identity, TrustStore trust, ILogger logger)
    {
        var admission = new InboundAdmission(listen.Limits, listen.HandshakeTimeout, listen.ReportInterval, line => LogRefusals(logger, line));
        // A node proving this node's own id holds its key: it is this node, reached through its own address (a seed
        // list that names this node). Remoting ends such a link itself once it has learned who answered.
        var refused = new RefusedPeers(line => LogRefusals(logger, line), listen.ReportInterval, TimeProvider.System);
        string? Refusal(NodeId peer)
        {
            var reason = peer == identity.Id ? null : trust.Current.RefusalOf(peer);
            if (reason is not null)
            {
                refused.Refused(peer, reason);
            }

            return reason;
        }

        var transports = new List<ITransport>();
        foreach (var name in settings.Enabled)
        {
            switch (name)
            {
                case "quic" when QuicAvailable():
                    transports.Add(new QuicTransport(identity, Refusal, settings.ConnectTimeout, admission));
                    break;
                case "quic":
                    LogNoQuic(logger);
                    break;
                case "tls":
                    transports.Add(new TlsTransport(identity, Refusal, settings.Multiplexer, settings.ConnectTimeout, admission));
                    break;
            }
        }

        return transports.Count > 0
            ? transports
            : throw new InvalidOperationException("no enabled transport is available on this system (usbmesh.transports.enabled): add tls");
    }

    [SupportedOSPlatformGuard("linux")]
    [SupportedOSPlatformGuard("windows")]
    [SupportedOSPlatformGuard("macos")]
    private static bool QuicAvailable() =>
        (OperatingSystem.IsLinux() || OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()) && QuicTransport.IsSupported;

    [LoggerMessage(LogLevel.Information, "QUIC is not available on this system (no libmsquic); connections use the next enabled transport")]
    private static partial void LogNoQuic(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "{Refusals}")]
    private static partial void LogRefusals(ILogger logger, string refusals);
}
