using UsbMesh.Node;

namespace UsbMesh.Deploy.Tests;

public class SystemdUnitSpec
{
    private const string Unit = "deploy/systemd/usbmeshd.service";

    [NeedsToolFact("systemd-analyze")]
    public void The_unit_and_its_root_drop_in_pass_systemd_analyze_verify()
    {
        // verify reports problems on standard error and still exits 0 for most of them, so both are checked. The
        // drop-in is verified in its place beside a copy of the unit.
        using var directory = new TemporaryDirectory();
        File.Copy(Repository.PathOf(Unit), Path.Combine(directory.Path, "usbmeshd.service"));
        Directory.CreateDirectory(Path.Combine(directory.Path, "usbmeshd.service.d"));
        File.Copy(Repository.PathOf("deploy/systemd/run-as-root.conf"), Path.Combine(directory.Path, "usbmeshd.service.d", "run-as-root.conf"));

        var verify = Tool.Run("systemd-analyze", "verify", Path.Combine(directory.Path, "usbmeshd.service"));

        Assert.True(verify.ExitCode == 0 && verify.Error.Length == 0, verify.Error);
    }

    [Fact]
    public void The_unit_keeps_the_state_where_the_node_looks_for_it_by_default()
    {
        var defaults = NodeSettings.FromConfig(NodeConfig.Reference);

        Assert.Equal($"/var/lib/{Setting("StateDirectory")}", defaults.StateDirectory);
    }

    [Fact]
    public void The_unit_runs_the_build_and_configuration_where_install_pi_puts_them()
    {
        var install = Repository.Read("deploy/install-pi.sh");

        Assert.Equal("/usr/bin/dotnet /opt/usbmesh/usbmeshd.dll --config /etc/usbmesh/node.conf", Setting("ExecStart"));
        Assert.Contains("prefix=/opt/usbmesh", install, StringComparison.Ordinal);
        Assert.Contains("etc=/etc/usbmesh", install, StringComparison.Ordinal);
        Assert.Contains("\"$etc/node.conf\"", install, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configuration_error_is_not_restarted_and_usb_devices_and_hotplug_are_reachable()
    {
        // usbmeshd exits with 2 for a configuration it cannot use (docs/CONFIGURATION.md): restarting cannot mend it.
        Assert.Equal("2", Setting("RestartPreventExitStatus"));
        Assert.Equal("char-usb_device rw", Setting("DeviceAllow"));
        Assert.Contains("AF_NETLINK", Setting("RestrictAddressFamilies").Split(' '));
        Assert.Equal("usbmesh", Setting("Group"));
    }

    private static string Setting(string name)
    {
        var values = File.ReadLines(Repository.PathOf(Unit))
            .Where(line => line.StartsWith(name + "=", StringComparison.Ordinal))
            .Select(line => line[(name.Length + 1)..])
            .ToList();
        return Assert.Single(values);
    }
}
