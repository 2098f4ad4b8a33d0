namespace UsbMesh.Node.Tests;

/// <summary>Settings that moved are refused with their new path, at the place the old one is set.</summary>
public sealed class MovedSettingsSpec : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Gadgets_under_exports_are_refused_with_their_new_path_and_place()
    {
        var file = _directory.Write("old.conf", "usbmesh {\n  node.name = hub\n  exports {\n    gadgets = [ { type = keyboard, name = keys } ]\n  }\n}\n");

        var error = Assert.Throws<ConfigurationException>(() => NodeConfig.Load(file));

        Assert.Equal(4, error.Origin?.Line);
        Assert.EndsWith("old.conf", error.Origin?.Description, StringComparison.Ordinal);
        Assert.Equal("usbmesh.exports.gadgets", error.Path);
        Assert.Matches(@"old\.conf:4:\d+: usbmesh\.exports\.gadgets has moved: the setting is now usbmesh\.gadgets$", error.Message);
    }

    [Fact]
    public void An_empty_gadget_list_at_the_old_path_is_refused_too()
    {
        var error = Assert.Throws<ConfigurationException>(() => NodeConfig.Load(file: null, ["usbmesh.exports.gadgets = []"]));

        Assert.Contains("the setting is now usbmesh.gadgets", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gadgets_at_the_top_level_are_read()
    {
        var settings = NodeSettings.FromConfig(NodeConfig.Load(file: null, ["usbmesh.gadgets = [ { type = keyboard, name = keys } ]"]));

        Assert.Equal("keys", Assert.Single(settings.Exports.Gadgets).Name);
    }
}
