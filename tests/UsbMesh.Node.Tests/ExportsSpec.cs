using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using UsbMesh.Actors;
using UsbMesh.Gadgets.Backends;

namespace UsbMesh.Node.Tests;

/// <summary>The node's exports from configuration: gadgets created and served on the usbipd-compatible endpoint,
/// checked with Debian's own usbip tool.</summary>
public sealed class ExportsSpec : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string NodeConfigText(string usbipdEndpoint, string? stateDirectory = null) => $$"""
        usbmesh {
          listen.endpoints = ["127.0.0.1:0"]
          node { name = exporter, state-directory = "{{stateDirectory ?? _directory.Path}}" }
          logging.console.enabled = off
          gadgets = [
            { type = mass-storage, name = stick, image = "stick.img", size = 4 MiB }
            { type = keyboard, name = keys }
          ]
          usbipd { enabled = on, endpoint = "{{usbipdEndpoint}}" }
        }
        """;

    [Fact]
    public void Gadgets_and_the_usbipd_endpoint_are_read_from_the_configuration()
    {
        var settings = NodeSettings.FromConfig(ConfigurationFactory.ParseString(NodeConfigText("127.0.0.1:3999"), "exports.conf"));

        Assert.True(settings.Exports.Usbipd.Enabled);
        Assert.Equal(3999, settings.Exports.Usbipd.Endpoint.Port);
        var stick = Assert.IsType<MassStorageSettings>(settings.Exports.Gadgets[0]);
        Assert.Equal(Path.Combine(_directory.Path, "stick.img"), stick.ImagePath);
        Assert.Equal(4L * 1024 * 1024, stick.SizeBytes);
        Assert.IsType<KeyboardSettings>(settings.Exports.Gadgets[1]);
    }

    [Theory]
    [InlineData("{ type = printer, name = p }", "type 'printer'")]
    [InlineData("{ type = mass-storage, name = s }", "needs an image path")]
    [InlineData("{ type = keyboard, name = k }, { type = keyboard, name = k }", "a second gadget is named [k]")]
    public void A_bad_gadget_is_a_configuration_error_naming_its_place(string gadgets, string expected)
    {
        var text = $"usbmesh.node.state-directory = \"{_directory.Path}\"\nusbmesh.gadgets = [ {gadgets} ]\n";

        var error = Assert.Throws<ConfigurationException>(() => NodeSettings.FromConfig(ConfigurationFactory.ParseString(text, "bad.conf")));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("bad.conf:2:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_serial_gadget_in_tcp_mode_is_read_with_its_endpoint()
    {
        var text = $$"""
            usbmesh.node.state-directory = "{{_directory.Path}}"
            usbmesh.gadgets = [
              { type = serial, name = console, serial-mode = tcp, tcp-endpoint = "127.0.0.1:7305" }
              { type = serial, name = modem, serial-mode = tcp }
              { type = serial, name = loop }
            ]
            """;

        var gadgets = NodeSettings.FromConfig(ConfigurationFactory.ParseString(text, "serial.conf")).Exports.Gadgets;

        Assert.Equal(new SerialSettings("console", SerialMode.Tcp, new IPEndPoint(IPAddress.Loopback, 7305)), gadgets[0]);
        Assert.Equal(new SerialSettings("modem", SerialMode.Tcp), gadgets[1]);
        Assert.Equal(new SerialSettings("loop", SerialMode.Echo), gadgets[2]);
    }

    [Theory]
    [InlineData("tcp-endpoint = \"localhost:7300\"", "is not an address and port")]
    [InlineData("tcp-endpoint = \"127.0.0.1\"", "is not an address and port")]
    [InlineData("tcp-endpoint = \"127.0.0.1:99999\"", "is not an address and port")]
    public void A_bad_tcp_endpoint_is_a_configuration_error_naming_its_place(string setting, string expected)
    {
        var text = $"usbmesh.node.state-directory = \"{_directory.Path}\"\nusbmesh.gadgets = [\n  {{ type = serial, name = tty, serial-mode = tcp,\n    {setting} }}\n]\n";

        var error = Assert.Throws<ConfigurationException>(() => NodeSettings.FromConfig(ConfigurationFactory.ParseString(text, "bad.conf")));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("bad.conf:4:", error.Message, StringComparison.Ordinal);
        Assert.Equal("usbmesh.gadgets[0].tcp-endpoint", error.Path);
    }

    [Fact]
    public async Task A_tcp_serial_gadget_listens_while_the_node_runs_and_closes_with_it()
    {
        var port = FreePorts.Loopback();

        var text = $$"""
            usbmesh {
              listen.endpoints = ["127.0.0.1:0"]
              node { name = serial-node, state-directory = "{{_directory.Path}}" }
              logging.console.enabled = off
              gadgets = [ { type = serial, name = console, serial-mode = tcp, tcp-endpoint = "127.0.0.1:{{port}}" } ]
            }
            """;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddUsbMesh(ConfigurationFactory.ParseString(text, "serial.conf"));
        using var host = builder.Build();

        await host.StartAsync().WaitAsync(Bound);
        try
        {
            // The gadget's listener comes up with the node.
            await WaitUntilAsync(() => CanConnect(port));
        }
        finally
        {
            await host.StopAsync().WaitAsync(Bound);
        }

        // ...and is closed when the node stops (the device actor disposes the gadget).
        await WaitUntilAsync(() => !CanConnect(port));

        static bool CanConnect(int port)
        {
            using var client = new TcpClient(AddressFamily.InterNetwork);
            try
            {
                client.Connect(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    [Fact]
    public async Task The_node_creates_its_private_state_directory_and_the_gadgets_image_in_it()
    {
        var state = Path.Combine(_directory.Path, "nested", "state");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddUsbMesh(ConfigurationFactory.ParseString(NodeConfigText("127.0.0.1:0", state), "exports.conf"));
        using var host = builder.Build();

        await host.StartAsync().WaitAsync(Bound);
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(state));
            }

            var image = Path.Combine(state, "stick.img");
            await WaitUntilAsync(() => File.Exists(image));
            Assert.Equal(4L * 1024 * 1024, new FileInfo(image).Length);
        }
        finally
        {
            await host.StopAsync().WaitAsync(Bound);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < Bound, "condition not met in time");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task The_real_usbip_tool_lists_the_nodes_gadgets()
    {
        // CI installs Debian's usbip package (.ci/run); without it this test cannot meet the real client.
        var usbip = new[] { "/usr/sbin/usbip", "/usr/bin/usbip" }.FirstOrDefault(File.Exists);
        Assert.True(usbip is not null, "the usbip tool is not installed (Debian package usbip)");

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddUsbMesh(ConfigurationFactory.ParseString(NodeConfigText("127.0.0.1:0"), "exports.conf"));
        using var host = builder.Build();
        await host.StartAsync().WaitAsync(Bound);
        try
        {
            var port = await WaitForPortAsync(host.Services.GetRequiredService<ActorSystemService>().Usbipd);

            var output = await RunAsync(usbip!, $"--tcp-port {port} list -r 127.0.0.1");

            Assert.Contains("100-1", output, StringComparison.Ordinal);
            Assert.Contains("(1209:0002)", output, StringComparison.Ordinal);
            Assert.Contains("100-2", output, StringComparison.Ordinal);
            Assert.Contains("(1209:0003)", output, StringComparison.Ordinal);
        }
        finally
        {
            await host.StopAsync().WaitAsync(Bound);
        }
    }

    private static async Task<int> WaitForPortAsync(IActorRef listener)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Bound)
        {
            var binding = await listener.Ask<UsbMesh.Usbipd.Usbipd.Bound>(UsbMesh.Usbipd.Usbipd.GetBinding.Instance, Bound);
            if (binding.Endpoint is { Port: > 0 } endpoint)
            {
                return endpoint.Port;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The usbipd endpoint did not bind.");
    }

    private static async Task<string> RunAsync(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Bound);
        Assert.True(process.ExitCode == 0, $"usbip exited with {process.ExitCode}: {await error}");
        return await output;
    }
}
