using System.Net;
using UsbMesh.Configuration;
using UsbMesh.Node;

namespace UsbMesh.Dashboard.Tests;

public sealed class DashboardSettingsSpec
{
    private static DashboardSettings Read(string hocon) => DashboardSettings.Read(NodeConfig.WithReference(ConfigurationFactory.ParseString(hocon, "test.conf")));

    [Fact]
    public void By_default_the_dashboard_and_the_metrics_share_one_loopback_listener()
    {
        var settings = Read("");

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 7280), settings.Endpoint);
        Assert.True(settings.Enabled && settings.MetricsEnabled && settings.MetricsOnDashboard);
        Assert.Equal("/metrics", settings.MetricsPath);
        Assert.Equal(new UsbMesh.Net.AdmissionLimits(64, 4, 16), settings.Admission.Limits);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.Admission.HandshakeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.KeepAliveTimeout);
    }

    [Fact]
    public void Metrics_elsewhere_get_their_own_listener()
    {
        var settings = Read("""usbmesh.metrics { endpoint = "0.0.0.0:9464", path = "/prometheus" }""");

        Assert.False(settings.MetricsOnDashboard);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 9464), settings.MetricsEndpoint);
    }

    [Theory]
    [InlineData("""usbmesh.dashboard.endpoint = "7280" """, "usbmesh.dashboard.endpoint")]
    [InlineData("""usbmesh.dashboard.endpoint = "pi.local:7280" """, "usbmesh.dashboard.endpoint")]
    [InlineData("""usbmesh.metrics.path = "metrics" """, "usbmesh.metrics.path")]
    [InlineData("usbmesh.dashboard.max-connections = 0", "usbmesh.dashboard.max-connections")]
    [InlineData("usbmesh.dashboard.accept-rate = 0", "usbmesh.dashboard.accept-rate")]
    [InlineData("usbmesh.dashboard.accept-burst = 0", "usbmesh.dashboard.accept-burst")]
    [InlineData("usbmesh.dashboard.handshake-timeout = 0s", "usbmesh.dashboard.handshake-timeout")]
    [InlineData("usbmesh.dashboard.keep-alive-timeout = 2h", "usbmesh.dashboard.keep-alive-timeout")]
    public void Unusable_values_are_refused_with_their_setting_and_place(string hocon, string path)
    {
        var error = Assert.Throws<ConfigurationException>(() => Read(hocon));

        Assert.Contains(path, error.Message);
        Assert.Contains("test.conf", error.Message);
    }
}
