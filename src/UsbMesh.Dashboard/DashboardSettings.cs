using System.Net;
using UsbMesh.Configuration;
using UsbMesh.Node;

namespace UsbMesh.Dashboard;

/// <summary>The web dashboard and the metrics endpoint (<c>usbmesh.dashboard</c>, <c>usbmesh.metrics</c>).</summary>
/// <param name="Enabled">Whether the node serves its dashboard.</param>
/// <param name="Endpoint">Where the dashboard listens.</param>
/// <param name="MetricsEnabled">Whether the node serves its metrics.</param>
/// <param name="MetricsEndpoint">Where the metrics are served: the dashboard's listener when equal to <paramref name="Endpoint"/>.</param>
/// <param name="MetricsPath">The metrics' path, starting with '/'.</param>
/// <param name="Admission">What each listener admits, and how long a client may take to send a request's headers.</param>
/// <param name="KeepAliveTimeout">How long a connection may stay open between two requests.</param>
public sealed record DashboardSettings(bool Enabled, IPEndPoint Endpoint, bool MetricsEnabled, IPEndPoint MetricsEndpoint, string MetricsPath,
    AdmissionSettings Admission, TimeSpan KeepAliveTimeout)
{
    public const string DashboardPath = "usbmesh.dashboard";
    public const string MetricsSettingsPath = "usbmesh.metrics";

    /// <summary>Whether the metrics share the dashboard's listener.</summary>
    public bool MetricsOnDashboard => Enabled && MetricsEnabled && Endpoint.Equals(MetricsEndpoint);

    /// <summary>Reads the settings from the node's configuration (already completed with reference.conf).</summary>
    /// <exception cref="ConfigurationException">An endpoint or the path is not usable; the message names the setting.</exception>
    public static DashboardSettings Read(Config config)
    {
        var path = config.GetString($"{MetricsSettingsPath}.path");
        if (!path.StartsWith('/') || path.Length < 2 || path.Any(c => char.IsWhiteSpace(c) || c is '?' or '#'))
        {
            throw Invalid(config, $"{MetricsSettingsPath}.path", $"[{path}] is not a path such as \"/metrics\"");
        }

        return new DashboardSettings(
            config.GetBoolean($"{DashboardPath}.enabled"),
            ReadEndpoint(config, $"{DashboardPath}.endpoint"),
            config.GetBoolean($"{MetricsSettingsPath}.enabled"),
            ReadEndpoint(config, $"{MetricsSettingsPath}.endpoint"),
            path,
            AdmissionSettings.Read(config, DashboardPath),
            ReadKeepAlive(config, $"{DashboardPath}.keep-alive-timeout"));
    }

    private static TimeSpan ReadKeepAlive(Config config, string path)
    {
        var value = config.GetTimeSpan(path);
        return value > TimeSpan.Zero && value <= TimeSpan.FromHours(1)
            ? value
            : throw Invalid(config, path, "the accepted range is above 0 up to 1h");
    }

    private static IPEndPoint ReadEndpoint(Config config, string path)
    {
        var text = config.GetString(path);
        var host = text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) ? $"127.0.0.1{text["localhost".Length..]}" : text;
        return IPEndPoint.TryParse(host, out var endpoint) && text.Contains(':', StringComparison.Ordinal)
            ? endpoint
            : throw Invalid(config, path, $"[{text}] is not an address and port such as \"127.0.0.1:7280\"");
    }

    private static ConfigurationException Invalid(Config config, string path, string problem) =>
        new($"{path}: {problem}", config.GetOrigin(path), path);
}
