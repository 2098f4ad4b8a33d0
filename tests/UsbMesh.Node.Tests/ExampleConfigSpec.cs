namespace UsbMesh.Node.Tests;

public class ExampleConfigSpec
{
    private static readonly string HoconDirectory = Path.Combine(AppContext.BaseDirectory, "hocon");

    public static TheoryData<string> Examples() => new(ExampleNames());

    [Fact]
    public void Every_example_the_documentation_names_is_there()
    {
        Assert.Superset(
            new HashSet<string> { "reference.conf", "demo.conf", "pi-hub.conf", "laptop.conf", "relay.conf" },
            ExampleNames().ToHashSet());
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_example_loads_and_validates(string example)
    {
        var config = NodeConfig.Load(Path.Combine(HoconDirectory, example));

        var settings = NodeSettings.FromConfig(config);

        Assert.False(string.IsNullOrEmpty(settings.Name));
        Assert.Equal(
            Actors.Dispatch.DispatcherSettings.PinnedType,
            settings.Dispatchers["usb-host-dispatcher"].Type);
    }

    [Theory]
    [InlineData("demo.conf", "demo")]
    [InlineData("pi-hub.conf", "pi-hub")]
    [InlineData("laptop.conf", "desk")]
    [InlineData("relay.conf", "relay")]
    public void Each_example_names_its_node(string example, string name)
    {
        var settings = NodeSettings.FromConfig(NodeConfig.Load(Path.Combine(HoconDirectory, example)));

        Assert.Equal(name, settings.Name);
    }

    private static IEnumerable<string> ExampleNames() =>
        Directory.EnumerateFiles(HoconDirectory, "*.conf").Select(file => Path.GetFileName(file)).Order(StringComparer.Ordinal);
}
