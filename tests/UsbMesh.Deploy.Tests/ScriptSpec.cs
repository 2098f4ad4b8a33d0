namespace UsbMesh.Deploy.Tests;

public class ScriptSpec
{
    private static IEnumerable<string> Scripts() =>
        Directory.EnumerateFiles(Repository.PathOf("deploy"), "*.sh").Select(file => $"deploy/{Path.GetFileName(file)}").Order(StringComparer.Ordinal);

    [NeedsToolFact("shellcheck")]
    public void Every_script_passes_shellcheck()
    {
        var check = Tool.Run("shellcheck", [.. Scripts()]);

        Assert.True(check.ExitCode == 0, check.Output + check.Error);
    }

    [NeedsToolFact("bash")]
    public void Install_pi_dry_run_prints_the_installation_and_changes_nothing()
    {
        using var build = new TemporaryDirectory();
        File.WriteAllText(Path.Combine(build.Path, "usbmeshd.dll"), "");

        var run = Tool.Run("bash", "deploy/install-pi.sh", "--dry-run", "--import", "--build", build.Path);

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Contains($"+ cp -r {build.Path} /opt/usbmesh.new", run.Output, StringComparison.Ordinal);
        Assert.Contains("/etc/systemd/system/usbmeshd.service", run.Output, StringComparison.Ordinal);
        Assert.Contains("/etc/udev/rules.d/70-usbmesh.rules", run.Output, StringComparison.Ordinal);
        Assert.Contains("/etc/modules-load.d/usbmesh.conf", run.Output, StringComparison.Ordinal);
        Assert.Contains("+ systemctl enable usbmeshd.service", run.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists("/opt/usbmesh.new"));
    }

    [NeedsToolFact("bash")]
    public void Install_pi_refuses_a_directory_without_a_build()
    {
        using var empty = new TemporaryDirectory();

        var run = Tool.Run("bash", "deploy/install-pi.sh", "--dry-run", "--build", empty.Path);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no usbmeshd.dll", run.Error, StringComparison.Ordinal);
    }
}
