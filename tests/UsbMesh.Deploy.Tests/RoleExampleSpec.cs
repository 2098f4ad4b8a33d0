using UsbMesh.Node;

namespace UsbMesh.Deploy.Tests;

/// <summary>
/// The role examples say in their comments what they are for; these specs hold the settings to it. (That every
/// example loads at all is checked with the node's own specs.)
/// </summary>
public class RoleExampleSpec
{
    [Fact]
    public void The_ci_runner_attaches_only_what_its_rules_name_by_itself()
    {
        var settings = Load("ci-runner.conf");

        Assert.Equal("ci", settings.Name);
        Assert.Equal(AttachTarget.Vhci, settings.Imports.AttachTo);
        Assert.NotEmpty(settings.Imports.Rules);
        Assert.All(settings.Imports.Rules, rule => Assert.True(rule.AutoAttach));
        Assert.False(settings.Imports.ManualAttach);
        Assert.Empty(settings.Listen.Endpoints);
    }

    [Fact]
    public void The_usbip_gateway_serves_stock_clients_on_loopback_and_imports_for_them_only()
    {
        var settings = Load("usbip-gateway.conf");

        Assert.Equal("gateway", settings.Name);
        Assert.True(settings.Exports.Usbipd.Enabled);
        Assert.True(System.Net.IPAddress.IsLoopback(settings.Exports.Usbipd.Endpoint.Address));
        Assert.Equal(AttachTarget.Usbipd, settings.Imports.AttachTo);
    }

    [Fact]
    public void The_bridge_offers_the_devices_of_two_usbipd_servers()
    {
        var settings = Load("bridge.conf");

        Assert.Equal("bench", settings.Name);
        Assert.Equal(["br1-", "br2-"], settings.Bridges.Select(b => b.BusIdPrefix));
        Assert.Equal(["2-3"], settings.Bridges[0].Devices);
        Assert.Empty(settings.Bridges[1].Devices);
    }

    private static NodeSettings Load(string example) =>
        NodeSettings.FromConfig(NodeConfig.Load(Repository.PathOf(Path.Combine("hocon", example))));
}
