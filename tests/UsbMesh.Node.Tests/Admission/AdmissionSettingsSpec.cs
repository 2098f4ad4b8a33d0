using UsbMesh.Net;

namespace UsbMesh.Node.Tests.Admission;

/// <summary>Every endpoint's admission settings (max-connections, accept-rate, accept-burst, handshake-timeout) read
/// and validated alike.</summary>
public sealed class AdmissionSettingsSpec
{
    private static NodeSettings Read(string text) => NodeSettings.FromConfig(ConfigurationFactory.ParseString(text, "admission.conf"));

    private static AdmissionSettings Of(NodeSettings settings, string section) => section switch
    {
        "usbipd" => new AdmissionSettings(settings.Exports.Usbipd.Admission, settings.Exports.Usbipd.OpIdleTimeout, settings.Exports.Usbipd.RefusalsInterval),
        "listen" => settings.Listen.Admission,
        _ => settings.Shell.Admission,
    };

    [Theory]
    [InlineData("usbipd", 64, 4, 16, 10)]
    [InlineData("listen", 256, 10, 20, 10)]
    [InlineData("shell", 32, 20, 40, 5)]
    public void The_defaults_are_those_of_reference_conf(string section, int max, double rate, int burst, int handshakeSeconds)
    {
        var admission = Of(Read(""), section);

        Assert.Equal(new AdmissionLimits(max, rate, burst), admission.Limits);
        Assert.Equal(TimeSpan.FromSeconds(handshakeSeconds), admission.HandshakeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), admission.ReportInterval);
    }

    [Theory]
    [InlineData("usbipd", "op-idle-timeout")]
    [InlineData("listen", "handshake-timeout")]
    [InlineData("shell", "handshake-timeout")]
    public void The_settings_are_read_from_the_endpoints_section(string section, string handshakeKey)
    {
        var admission = Of(Read($$"""
            usbmesh.{{section}} { max-connections = 7, accept-rate = 0.5, accept-burst = 3, {{handshakeKey}} = 1500ms }
            usbmesh.logging.refusals-interval = 2s
            """), section);

        Assert.Equal(new AdmissionLimits(7, 0.5, 3), admission.Limits);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), admission.HandshakeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), admission.ReportInterval);
    }

    [Theory]
    [InlineData("usbipd", "accept-rate = 0", "0 is out of range; new connections per second must be above 0 and at most 65536")]
    [InlineData("listen", "accept-rate = -1", "-1 is out of range; new connections per second must be above 0 and at most 65536")]
    [InlineData("shell", "accept-rate = 100000", "100000 is out of range; new connections per second must be above 0 and at most 65536")]
    [InlineData("listen", "accept-burst = 0", "0 is out of range; the accepted range is 1 to 65536")]
    [InlineData("shell", "max-connections = 0", "0 is out of range; the accepted range is 1 to 65536")]
    [InlineData("listen", "handshake-timeout = 0s", "0s is out of range; the accepted range is above 0 up to 1h")]
    [InlineData("shell", "handshake-timeout = 2h", "2h is out of range; the accepted range is above 0 up to 1h")]
    public void A_value_out_of_range_is_refused_with_its_place(string section, string setting, string expected)
    {
        var key = setting[..setting.IndexOf(' ', StringComparison.Ordinal)];

        var error = Assert.Throws<ConfigurationException>(() => Read($"usbmesh {{\n  {section} {{\n    {setting}\n  }}\n}}\n"));

        Assert.StartsWith("admission.conf:3:", error.Message, StringComparison.Ordinal);
        Assert.Equal($"usbmesh.{section}.{key}", error.Path);
        Assert.EndsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_refusals_interval_must_be_positive()
    {
        var error = Assert.Throws<ConfigurationException>(() => Read("usbmesh.logging.refusals-interval = 0s"));

        Assert.Equal("usbmesh.logging.refusals-interval", error.Path);
    }
}
