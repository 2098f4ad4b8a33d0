using System.Collections.Immutable;
using System.Text.Json;
using Serilog;
using LogLevel = UsbMesh.Actors.Event.LogLevel;

namespace UsbMesh.Node.Tests;

public sealed class NodeLoggingSpec : IDisposable
{
    private const string Template = "[{Level:u3}] {Source:l}: {Message:lj}{NewLine}";

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private LoggingSettings FileOnly(LogFormat format, LogLevel level = LogLevel.Info, RollingInterval rolling = RollingInterval.Infinite,
        ImmutableDictionary<string, LogLevel>? overrides = null) =>
        new(level, overrides ?? ImmutableDictionary<string, LogLevel>.Empty, new ConsoleLogSettings(false, LogFormat.Text, Template),
            new FileLogSettings(Path.Combine(_directory.Path, "node.log"), format, rolling, RetainedFiles: null, SizeLimit: null));

    private string[] WrittenLines()
    {
        var file = Assert.Single(Directory.GetFiles(_directory.Path, "node*.log"));
        return File.ReadAllLines(file);
    }

    [Fact]
    public void A_json_file_holds_one_object_per_event_with_its_properties()
    {
        using (var logger = NodeLogging.CreateLogger(FileOnly(LogFormat.Json)))
        {
            logger.Information("Claimed {BusId}", "1-1.2");
        }

        using var json = JsonDocument.Parse(Assert.Single(WrittenLines()));
        Assert.Equal("Information", json.RootElement.GetProperty("Level").GetString());
        Assert.Equal("Claimed {BusId}", json.RootElement.GetProperty("MessageTemplate").GetString());
        Assert.Equal("1-1.2", json.RootElement.GetProperty("Properties").GetProperty("BusId").GetString());
        Assert.Contains("1-1.2", json.RootElement.GetProperty("RenderedMessage").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_text_file_is_laid_out_by_the_template_with_the_actor_path_or_the_logger_name_as_source()
    {
        using (var logger = NodeLogging.CreateLogger(FileOnly(LogFormat.Text)))
        {
            logger.ForContext("ActorPath", "usbmesh://node/user/usb-host").ForContext("SourceContext", "UsbMesh.Usb.UsbHostActor")
                .Information("Device {BusId} arrived", "1-1");
            logger.ForContext("SourceContext", "Microsoft.Hosting.Lifetime").Warning("Host message");
            logger.Error("Nameless");
        }

        Assert.Equal(
            ["[INF] usbmesh://node/user/usb-host: Device 1-1 arrived", "[WRN] Microsoft.Hosting.Lifetime: Host message", "[ERR] usbmesh: Nameless"],
            WrittenLines());
    }

    [Fact]
    public void Levels_and_overrides_filter_by_source()
    {
        var overrides = ImmutableDictionary<string, LogLevel>.Empty.Add("Noisy", LogLevel.Error).Add("Chatty", LogLevel.Debug).Add("Silent", LogLevel.Off);
        using (var logger = NodeLogging.CreateLogger(FileOnly(LogFormat.Text, LogLevel.Info, overrides: overrides)))
        {
            logger.Debug("dropped: below the level");
            logger.Information("kept");
            logger.ForContext("SourceContext", "Noisy.Part").Warning("dropped: below the override");
            logger.ForContext("SourceContext", "Noisy.Part").Error("kept from Noisy");
            logger.ForContext("SourceContext", "Chatty").Debug("kept from Chatty");
            logger.ForContext("SourceContext", "Silent").Error("dropped: off");
        }

        Assert.Equal(["[INF] usbmesh: kept", "[ERR] Noisy.Part: kept from Noisy", "[DBG] Chatty: kept from Chatty"], WrittenLines());
    }

    [Fact]
    public void Level_off_writes_nothing()
    {
        using (var logger = NodeLogging.CreateLogger(FileOnly(LogFormat.Text, LogLevel.Off)))
        {
            logger.Fatal("dropped");
        }

        Assert.Empty(WrittenLines());
    }

    [Fact]
    public void A_rolling_file_carries_the_period_in_its_name()
    {
        using (var logger = NodeLogging.CreateLogger(FileOnly(LogFormat.Json, rolling: RollingInterval.Day)))
        {
            logger.Information("rolled");
        }

        var file = Assert.Single(Directory.GetFiles(_directory.Path));
        Assert.Matches(@"node\d{8}\.log$", file);
    }
}
