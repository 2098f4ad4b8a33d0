using UsbMesh.Configuration;
using UsbMesh.Net;

namespace UsbMesh.Node;

/// <summary>
/// What one listening endpoint admits and how long a new client may take to say hello: <c>max-connections</c>,
/// <c>accept-rate</c>, <c>accept-burst</c> and <c>handshake-timeout</c> in the endpoint's section (usbipd, listen,
/// shell, dashboard), the same names everywhere; and how often refusals are logged (<c>logging.refusals-interval</c>).
/// </summary>
/// <param name="Limits">Connections open at once, new connections per second and burst per remote address.</param>
/// <param name="HandshakeTimeout">How long a new connection may take to complete its first exchange.</param>
/// <param name="ReportInterval">The shortest time between two log lines about refused connections.</param>
public sealed record AdmissionSettings(AdmissionLimits Limits, TimeSpan HandshakeTimeout, TimeSpan ReportInterval)
{
    /// <summary>The setting of the interval between refusal log lines.</summary>
    public const string ReportIntervalPath = $"{LoggingSettings.Path}.refusals-interval";

    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);

    /// <summary>Reads the admission settings of the endpoint whose section is <paramref name="section"/>.</summary>
    /// <param name="config">The node's configuration, completed with reference.conf.</param>
    /// <param name="section">The endpoint's section, e.g. <c>usbmesh.shell</c>.</param>
    /// <param name="handshakeKey">The key of its handshake timeout, where an older name stays (usbipd's <c>op-idle-timeout</c>).</param>
    /// <exception cref="ConfigurationException">A value is out of range; the message names the setting.</exception>
    public static AdmissionSettings Read(Config config, string section, string handshakeKey = "handshake-timeout") =>
        Read(new SettingsReader(config), section, handshakeKey);

    internal static AdmissionSettings Read(SettingsReader reader, string section, string handshakeKey = "handshake-timeout")
    {
        var ratePath = $"{section}.accept-rate";
        var rate = reader.Config.GetDouble(ratePath);
        if (!double.IsFinite(rate) || rate <= 0 || rate > AdmissionLimits.MaxCount)
        {
            throw reader.Invalid(ratePath, $"{rate} is out of range; new connections per second must be above 0 and at most {AdmissionLimits.MaxCount}");
        }

        return new AdmissionSettings(
            new AdmissionLimits(
                reader.Int($"{section}.max-connections", minimum: 1, maximum: AdmissionLimits.MaxCount),
                rate,
                reader.Int($"{section}.accept-burst", minimum: 1, maximum: AdmissionLimits.MaxCount)),
            reader.PositiveDuration($"{section}.{handshakeKey}", MaxTimeout),
            reader.PositiveDuration(ReportIntervalPath, MaxTimeout));
    }
}
