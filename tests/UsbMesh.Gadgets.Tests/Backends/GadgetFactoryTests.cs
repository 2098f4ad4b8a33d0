using UsbMesh.Gadgets.Backends;

namespace UsbMesh.Gadgets.Tests.Backends;

public sealed class GadgetFactoryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("usbmesh-factory-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Plain_values_become_settings()
    {
        var image = Path.Combine(_directory, "a.img");
        Assert.Equal(new MassStorageSettings("stick", image, 1 << 20, false), GadgetFactory.CreateSettings("mass-storage", "stick", image, 1 << 20));
        Assert.Equal(new KeyboardSettings("kbd"), GadgetFactory.CreateSettings("Keyboard", "kbd"));
        Assert.Equal(new SerialSettings("tty", SerialMode.Echo), GadgetFactory.CreateSettings("serial", "tty", serialMode: "echo"));
        Assert.Equal(new SerialSettings("tty", SerialMode.Channel), GadgetFactory.CreateSettings("serial", "tty", serialMode: "channel"));
        Assert.Equal(new SerialSettings("tty", SerialMode.Tcp), GadgetFactory.CreateSettings("serial", "tty", serialMode: "tcp"));
        Assert.Equal(
            new SerialSettings("tty", SerialMode.Tcp, new System.Net.IPEndPoint(System.Net.IPAddress.IPv6Loopback, 7301)),
            GadgetFactory.CreateSettings("serial", "tty", serialMode: "tcp", tcpEndpoint: "[::1]:7301"));
        Assert.Equal("127.0.0.1:7300", SerialSettings.DefaultTcpEndpoint.ToString());
    }

    [Theory]
    [InlineData("tcp", "localhost:7300", "is not an address and port")]
    [InlineData("tcp", "7300", "is not an address and port")]
    [InlineData("tcp", "127.0.0.1:70000", "is not an address and port")]
    [InlineData("echo", "127.0.0.1:7300", "only for serial-mode = tcp")]
    public void A_bad_tcp_endpoint_is_refused_naming_it(string mode, string endpoint, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => GadgetFactory.CreateSettings("serial", "tty", serialMode: mode, tcpEndpoint: endpoint));
        Assert.Equal("tcpEndpoint", e.ParamName);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tcp_serial_gadget_listens_where_its_settings_say()
    {
        var lines = new List<string>();
        await using var gadget = GadgetFactory.Create(
            GadgetFactory.CreateSettings("serial", "tty", serialMode: "tcp", tcpEndpoint: "127.0.0.1:0"), lines.Add);
        var serial = Assert.IsType<SerialGadget>(gadget);
        Assert.Equal(SerialMode.Tcp, serial.Mode);
        Assert.NotEqual(0, serial.TcpEndpoint!.Port);
        Assert.Contains(lines, l => l.Contains(serial.TcpEndpoint.ToString(), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("printer", "x", null, null, "type 'printer'")]
    [InlineData("mass-storage", "x", null, null, "needs an image")]
    [InlineData("mass-storage", "x", "new.img", 1000L, "multiple of 512")]
    [InlineData("serial", "x", null, null, null)]
    public void Bad_values_are_refused_with_a_message_naming_them(string type, string name, string? image, long? size, string? message)
    {
        if (message is null)
        {
            Assert.Throws<ArgumentException>(() => GadgetFactory.CreateSettings(type, name, serialMode: "loud"));
            return;
        }

        var e = Assert.Throws<ArgumentException>(() => GadgetFactory.CreateSettings(type, name, image is null ? null : Path.Combine(_directory, image), size));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_become_gadgets()
    {
        await using var disk = GadgetFactory.Create(GadgetFactory.CreateSettings("mass-storage", "d", Path.Combine(_directory, "d.img"), 4096));
        await using var keyboard = GadgetFactory.Create(new KeyboardSettings("k"));
        await using var serial = GadgetFactory.Create(new SerialSettings("s"));
        Assert.IsType<MassStorageGadget>(disk);
        Assert.IsType<KeyboardGadget>(keyboard);
        Assert.Equal(SerialMode.Echo, Assert.IsType<SerialGadget>(serial).Mode);
        Assert.Equal(GadgetIdentity.SerialFor("k"), keyboard.Strings.SerialNumber);
        Assert.True(File.Exists(Path.Combine(_directory, "d.img")));
    }
}
