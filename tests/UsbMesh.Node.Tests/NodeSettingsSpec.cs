using UsbMesh.Actors;
using UsbMesh.Actors.Dispatch;
using UsbMesh.Actors.Event;

namespace UsbMesh.Node.Tests;

public class NodeSettingsSpec
{
    private static Config Parse(string hocon) => ConfigurationFactory.ParseString(hocon, "test.conf");

    [Fact]
    public void The_reference_alone_gives_the_documented_defaults()
    {
        var settings = NodeSettings.FromConfig(ConfigurationFactory.Empty);

        Assert.Equal(NodeSettings.FromHostName(Environment.MachineName), settings.Name);
        Assert.Equal("/var/lib/usbmesh", settings.StateDirectory);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.AskTimeout);
        Assert.Equal(10, settings.LogDeadLetters);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.DefaultShutdownPhaseTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.ShutdownPhaseTimeouts[CoordinatedShutdown.PhaseActorSystemTerminate]);
        Assert.Single(settings.ShutdownPhaseTimeouts);

        Assert.Equal(LogLevel.Info, settings.Logging.Level);
        Assert.Equal(LogLevel.Warning, settings.Logging.Overrides["Microsoft"]);
        Assert.True(settings.Logging.Console.Enabled);
        Assert.Equal(LogFormat.Text, settings.Logging.Console.Format);
        Assert.Contains("{Message:lj}", settings.Logging.Console.Template, StringComparison.Ordinal);
        Assert.Null(settings.Logging.File);
    }

    [Fact]
    public void The_reference_defines_the_usb_host_dispatcher_as_pinned_beside_the_built_in_dispatchers()
    {
        var dispatchers = NodeSettings.FromConfig(ConfigurationFactory.Empty).Dispatchers;

        Assert.Equal(new DispatcherSettings(DispatcherSettings.PinnedType, 30), dispatchers["usb-host-dispatcher"]);
        Assert.Equal(new DispatcherSettings(DispatcherSettings.ThreadPoolType, 30), dispatchers[Dispatchers.DefaultDispatcherId]);
        Assert.Equal(DispatcherSettings.PinnedType, dispatchers[Dispatchers.PinnedDispatcherId].Type);
        Assert.Equal(DispatcherSettings.CallingThreadType, dispatchers[Dispatchers.CallingThreadDispatcherId].Type);
    }

    [Fact]
    public void Devices_and_usbipd_connections_share_one_dedicated_thread_by_default()
    {
        var settings = NodeSettings.FromConfig(ConfigurationFactory.Empty);

        Assert.Equal(new DispatcherSettings(DispatcherSettings.ForkJoinType, 30, ThreadCount: 1), settings.Dispatchers["usb-io-dispatcher"]);
        Assert.Equal("usb-io-dispatcher", settings.UsbHost.Devices.Dispatcher);
        Assert.Equal("usb-io-dispatcher", settings.Exports.Usbipd.Dispatcher);
    }

    [Fact]
    public void A_fork_join_dispatcher_takes_its_thread_count_from_its_dedicated_thread_pool()
    {
        var settings = NodeSettings.FromConfig(Parse("""
            usbmesh.actor.dispatchers.usb-io-dispatcher.dedicated-thread-pool.thread-count = 4
            usbmesh.actor.dispatchers.sessions { type = ForkJoinDispatcher, throughput = 10 }
            usbmesh.devices.dispatcher = sessions
            """));

        Assert.Equal(4, settings.Dispatchers["usb-io-dispatcher"].ThreadCount);
        Assert.Equal(new DispatcherSettings(DispatcherSettings.ForkJoinType, 10, ThreadCount: 1), settings.Dispatchers["sessions"]);
        Assert.Equal("sessions", settings.UsbHost.Devices.Dispatcher);
    }

    [Fact]
    public void Configured_dispatchers_merge_over_the_built_in_ones()
    {
        var settings = NodeSettings.FromConfig(Parse("""
            usbmesh.actor.dispatchers {
              fast { type = Dispatcher, throughput = 5 }
              "odd.id" { type = CallingThreadDispatcher }
              pinned-dispatcher.throughput = 7
              usb-host-dispatcher.throughput = 1
              bare {}
            }
            """));

        Assert.Equal(new DispatcherSettings(DispatcherSettings.ThreadPoolType, 5), settings.Dispatchers["fast"]);
        Assert.Equal(DispatcherSettings.CallingThreadType, settings.Dispatchers["odd.id"].Type);
        Assert.Equal(new DispatcherSettings(DispatcherSettings.PinnedType, 7), settings.Dispatchers[Dispatchers.PinnedDispatcherId]);
        Assert.Equal(new DispatcherSettings(DispatcherSettings.PinnedType, 1), settings.Dispatchers["usb-host-dispatcher"]);
        Assert.Equal(new DispatcherSettings(), settings.Dispatchers["bare"]);
        Assert.Equal(DispatcherSettings.CallingThreadType, settings.Dispatchers[Dispatchers.CallingThreadDispatcherId].Type);
    }

    [Fact]
    public void Actor_system_settings_carry_every_actor_setting()
    {
        var logger = new Serilog.LoggerConfiguration().CreateLogger();
        var settings = NodeSettings.FromConfig(Parse("""
            usbmesh {
              logging.level = warning
              actor { ask-timeout = 1500ms, log-dead-letters = 0 }
              coordinated-shutdown {
                default-phase-timeout = 3s
                phases { service-unbind.timeout = 1s, service-stop {} }
              }
            }
            """));

        var actorSettings = settings.ToActorSystemSettings(logger);

        Assert.Same(logger, actorSettings.Logger);
        Assert.Equal(LogLevel.Warning, actorSettings.LogLevel);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), actorSettings.AskTimeout);
        Assert.Equal(0, actorSettings.LogDeadLetters);
        Assert.Equal(TimeSpan.FromSeconds(3), actorSettings.DefaultShutdownPhaseTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), actorSettings.ShutdownPhaseTimeout(CoordinatedShutdown.PhaseServiceUnbind));
        Assert.Equal(TimeSpan.FromSeconds(3), actorSettings.ShutdownPhaseTimeout(CoordinatedShutdown.PhaseServiceStop));
        Assert.Equal(TimeSpan.FromSeconds(10), actorSettings.ShutdownPhaseTimeout(CoordinatedShutdown.PhaseActorSystemTerminate));
        Assert.Equal(settings.Dispatchers, actorSettings.Dispatchers);
    }

    [Fact]
    public void The_actor_system_creates_no_events_below_the_lowest_level_any_source_writes()
    {
        var settings = NodeSettings.FromConfig(Parse("""
            usbmesh.logging { level = warning, overrides { "UsbMesh.Usb" = debug, Quiet = off } }
            """));

        Assert.Equal(LogLevel.Debug, settings.ToActorSystemSettings().LogLevel);
        Assert.Equal(LogLevel.Off, settings.Logging.Overrides["Quiet"]);
    }

    [Fact]
    public async Task An_actor_on_the_usb_host_dispatcher_runs_on_a_thread_of_its_own()
    {
        var settings = NodeSettings.FromConfig(Parse("usbmesh { node.name = pinned-check, logging.console.enabled = off }"));
        using var system = ActorSystem.Create(settings.Name, settings.ToActorSystemSettings(new Serilog.LoggerConfiguration().CreateLogger()));

        var host = system.ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher("usb-host-dispatcher"), "usb-host");
        var thread = await host.Ask<(bool IsThreadPoolThread, string? Name)>("which thread?", TimeSpan.FromSeconds(10));

        Assert.False(thread.IsThreadPoolThread);
    }

    [Theory]
    [InlineData("usbmesh.actor.dispatchers.usb-host-dispatcher.type = Pinned", "usbmesh.actor.dispatchers.usb-host-dispatcher.type", "PinnedDispatcher")]
    [InlineData("usbmesh.actor.dispatchers.fast { throughput = 0 }", "usbmesh.actor.dispatchers.fast.throughput", "least allowed is 1")]
    [InlineData("usbmesh.actor.ask-timeout = infinite", "usbmesh.actor.ask-timeout", "positive, finite duration")]
    [InlineData("usbmesh.actor.log-dead-letters = -1", "usbmesh.actor.log-dead-letters", "least allowed is 0")]
    [InlineData("usbmesh.logging.level = loud", "usbmesh.logging.level", "debug, info, warning, error, off")]
    [InlineData("usbmesh.logging.overrides { Microsoft = chatty }", "usbmesh.logging.overrides.Microsoft", "chatty")]
    [InlineData("usbmesh.logging.console.format = xml", "usbmesh.logging.console.format", "text, json")]
    [InlineData("usbmesh.logging.file { path = x.log, rolling = weekly }", "usbmesh.logging.file.rolling", "weekly")]
    [InlineData("usbmesh.coordinated-shutdown.default-phase-timeout = 0s", "usbmesh.coordinated-shutdown.default-phase-timeout", "positive")]
    [InlineData("usbmesh.coordinated-shutdown.phases.service-stopp.timeout = 1s", "usbmesh.coordinated-shutdown.phases.service-stopp", "service-stop")]
    [InlineData("usbmesh.node.name = \"my node\"", "usbmesh.node.name", "my node")]
    [InlineData("usbmesh.node.state-directory = \"\"", "usbmesh.node.state-directory", "empty")]
    [InlineData("usbmesh.devices.dispatcher = usb-oi-dispatcher", "usbmesh.devices.dispatcher", "no dispatcher [usb-oi-dispatcher]")]
    [InlineData("usbmesh.usbipd.dispatcher = fast", "usbmesh.usbipd.dispatcher", "usb-io-dispatcher")]
    [InlineData("usbmesh.actor.dispatchers.x.dedicated-thread-pool.thread-count = 0", "usbmesh.actor.dispatchers.x.dedicated-thread-pool.thread-count", "too small")]
    public void A_bad_value_is_refused_naming_its_path_and_where_it_was_set(string line, string path, string hint)
    {
        var error = Assert.Throws<ConfigurationException>(() => NodeSettings.FromConfig(Parse("# a node\n" + line + "\n")));

        Assert.StartsWith("test.conf:2:", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
        Assert.Equal(path, error.Path);
    }

    [Theory]
    [InlineData("usbmesh.actor.ask-timeout = soon", "usbmesh.actor.ask-timeout")]
    [InlineData("usbmesh.actor.dispatchers.fast.throughput = lots", "usbmesh.actor.dispatchers.fast.throughput")]
    [InlineData("usbmesh.logging.console.enabled = maybe", "usbmesh.logging.console.enabled")]
    public void A_value_of_the_wrong_type_is_refused_naming_its_path_and_where_it_was_set(string line, string path)
    {
        var error = Assert.Throws<ConfigurationException>(() => NodeSettings.FromConfig(Parse("# a node\n" + line + "\n")));

        Assert.Contains("test.conf:2", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pi-hub", "pi-hub")]
    [InlineData("desk.example.net", "desk-example-net")]
    [InlineData("_build box", "build-box")]
    [InlineData("...", "usbmesh")]
    public void An_empty_node_name_takes_the_host_name_made_valid(string hostName, string nodeName)
    {
        Assert.Equal(nodeName, NodeSettings.FromHostName(hostName));
    }

    [Fact]
    public void A_relative_log_file_is_under_the_state_directory()
    {
        var settings = NodeSettings.FromConfig(Parse("""
            usbmesh {
              node.state-directory = "/srv/node"
              logging.file { path = "log/node.log", format = text, rolling = hour, retained-files = 0, size-limit = 1 MiB }
            }
            """));

        var file = Assert.IsType<FileLogSettings>(settings.Logging.File);
        Assert.Equal("/srv/node/log/node.log", file.Path);
        Assert.Equal(LogFormat.Text, file.Format);
        Assert.Equal(Serilog.RollingInterval.Hour, file.Rolling);
        Assert.Null(file.RetainedFiles);
        Assert.Equal(1024 * 1024, file.SizeLimit);
    }

    private sealed class ThreadReporter : ReceiveActor
    {
        public ThreadReporter()
        {
            Receive<string>(_ => Sender.Tell((Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name)));
        }
    }
}
