using System.Collections.Concurrent;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using UsbMesh.Actors.Event;
using Xunit.Abstractions;
using ActorLogEvent = UsbMesh.Actors.Event.LogEvent;
using ActorLogLevel = UsbMesh.Actors.Event.LogLevel;
using SerilogEvent = Serilog.Events.LogEvent;

namespace UsbMesh.Actors.Tests;

public sealed class LoggingSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed record Log(ActorLogLevel Level, string Template, object?[] Args, Exception? Cause = null);

    /// <summary>Logs what it is told to through <c>Context.GetLogger()</c>.</summary>
    private sealed class Chatty : ReceiveActor
    {
        public Chatty()
        {
            var log = Context.GetLogger();
            Receive<Log>(l =>
            {
                switch (l.Level)
                {
                    case ActorLogLevel.Debug:
                        log.Debug(l.Template, l.Args);
                        break;
                    case ActorLogLevel.Info:
                        log.Info(l.Template, l.Args);
                        break;
                    case ActorLogLevel.Warning when l.Cause is not null:
                        log.Warning(l.Cause, l.Template, l.Args);
                        break;
                    case ActorLogLevel.Warning:
                        log.Warning(l.Template, l.Args);
                        break;
                    case ActorLogLevel.Error when l.Cause is not null:
                        log.Error(l.Cause, l.Template, l.Args);
                        break;
                    default:
                        log.Error(l.Template, l.Args);
                        break;
                }

                Sender.Tell("logged");
            });
            Receive<ActorLogLevel>(level => Sender.Tell(log.IsEnabled(level)));
        }
    }

    private sealed class CollectingSink : ILogEventSink
    {
        public ConcurrentQueue<SerilogEvent> Events { get; } = new();

        public void Emit(SerilogEvent logEvent) => Events.Enqueue(logEvent);
    }

    private static object? ScalarProperty(SerilogEvent logEvent, string name) =>
        logEvent.Properties.TryGetValue(name, out var value) && value is ScalarValue scalar ? scalar.Value : null;

    [Fact]
    public void Actor_log_events_are_published_with_the_actor_path_as_source()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(Info));
        var actor = Sys.ActorOf(Props.Create(() => new Chatty()), "chatty");

        actor.Tell(new Log(ActorLogLevel.Info, "Claimed {BusId} for {Node}", ["3-1", "node-a"]), TestActor);

        var info = FishForMessage<Info>(e => e.LogSource == actor.Path.ToString());
        Assert.Equal(actor.Path.ToString(), info.LogSource);
        Assert.EndsWith("/user/chatty", info.LogSource);
        Assert.Equal(typeof(Chatty), info.LogClass);
        Assert.Equal(ActorLogLevel.Info, info.Level);
        Assert.Equal("Claimed {BusId} for {Node}", info.Template);
        Assert.Equal(["3-1", "node-a"], info.Args);
        Assert.Equal("Claimed 3-1 for node-a", info.RenderMessage());
        Assert.Null(info.Cause);
    }

    [Fact]
    public void Warnings_and_errors_carry_their_cause()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(ActorLogEvent));
        var actor = Sys.ActorOf(Props.Create(() => new Chatty()), "chatty");
        var cause = new InvalidOperationException("device gone");

        actor.Tell(new Log(ActorLogLevel.Warning, "Lost {Device}", ["1-2"], cause), TestActor);
        actor.Tell(new Log(ActorLogLevel.Error, "Failed {Device}", ["1-2"], cause), TestActor);
        actor.Tell(new Log(ActorLogLevel.Error, "No cause", []), TestActor);

        var fromActor = new List<ActorLogEvent>();
        while (fromActor.Count < 3)
        {
            fromActor.Add(FishForMessage<ActorLogEvent>(e => e.LogSource == actor.Path.ToString()));
        }

        Assert.IsType<Warning>(fromActor[0]);
        Assert.Same(cause, fromActor[0].Cause);
        Assert.Equal("Lost 1-2", fromActor[0].RenderMessage());
        Assert.IsType<Error>(fromActor[1]);
        Assert.Same(cause, fromActor[1].Cause);
        Assert.IsType<Error>(fromActor[2]);
        Assert.Null(fromActor[2].Cause);
    }

    [Fact]
    public void Debug_is_not_published_when_the_level_is_Info()
    {
        Assert.Equal(ActorLogLevel.Info, Sys.Settings.LogLevel);
        Sys.EventStream.Subscribe(TestActor, typeof(ActorLogEvent));
        var actor = Sys.ActorOf(Props.Create(() => new Chatty()), "chatty");

        actor.Tell(new Log(ActorLogLevel.Debug, "hidden", []), TestActor);
        actor.Tell(new Log(ActorLogLevel.Info, "shown", []), TestActor);

        // Both are published, if at all, from one thread in this order: the first event from the actor must be the Info.
        var first = FishForMessage<ActorLogEvent>(e => e.LogSource == actor.Path.ToString());
        Assert.IsType<Info>(first);
        Assert.Equal("shown", first.RenderMessage());

        actor.Tell(ActorLogLevel.Debug, TestActor);
        Assert.False(FishForMessage<bool>(_ => true));
        actor.Tell(ActorLogLevel.Info, TestActor);
        Assert.True(FishForMessage<bool>(_ => true));
        actor.Tell(ActorLogLevel.Off, TestActor);
        Assert.False(FishForMessage<bool>(_ => true));
    }

    [Fact]
    public void EventFilter_counts_log_events_by_level_and_message()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Chatty()), "chatty");

        EventFilter.Info("Claimed 3-1").ExpectOne(() => actor.Tell(new Log(ActorLogLevel.Info, "Claimed {BusId}", ["3-1"])));
        EventFilter.Warning(start: "Lost", source: "/user/chatty").ExpectOne(
            () => actor.Tell(new Log(ActorLogLevel.Warning, "Lost {BusId}", ["3-1"])));
        EventFilter.Exception<TimeoutException>(contains: "timed out").ExpectOne(
            () => actor.Tell(new Log(ActorLogLevel.Error, "{Op} timed out", ["claim"], new TimeoutException())));
    }

    [Theory]
    [InlineData("Plain text", new object?[] { }, "Plain text")]
    [InlineData("{A} and {B}", new object?[] { 1, "x" }, "1 and x")]
    [InlineData("{A} and {B}", new object?[] { 1 }, "1 and {B}")]
    [InlineData("value {A}", new object?[] { null }, "value null")]
    [InlineData("{{literal}} {A}", new object?[] { 5 }, "{literal} 5")]
    [InlineData("unclosed {A", new object?[] { 1 }, "unclosed {A")]
    public void Message_templates_render_their_arguments_positionally(string template, object?[] args, string expected)
    {
        var info = new Info("source", typeof(LoggingSpec), template, args);

        Assert.Equal(expected, info.RenderMessage());
        Assert.Contains(expected, info.ToString());
    }

    [Fact]
    public void Logger_of_a_component_that_is_not_an_actor_uses_the_given_source()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(Warning));
        var log = Logging.GetLogger(Sys, "usb-monitor", typeof(LoggingSpec));

        log.Warning("Hub {Hub} reset", 4);

        var warning = FishForMessage<Warning>(w => w.LogSource == "usb-monitor");
        Assert.Equal(typeof(LoggingSpec), warning.LogClass);
        Assert.Equal("Hub 4 reset", warning.RenderMessage());
    }

    [Fact]
    public async Task Log_events_are_written_through_Serilog_with_the_actor_path_and_mapped_levels()
    {
        var sink = new CollectingSink();
        var logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger();
        var system = ActorSystem.Create("serilog", ActorSystemSettings.Default with { Logger = logger, LogLevel = ActorLogLevel.Debug });
        try
        {
            var actor = system.ActorOf(Props.Create(() => new Chatty()), "chatty");
            var path = actor.Path.ToString();
            var cause = new InvalidOperationException("boom");

            foreach (var log in new[]
                     {
                         new Log(ActorLogLevel.Debug, "Debug {Step}", [1]),
                         new Log(ActorLogLevel.Info, "Info {Step}", [2]),
                         new Log(ActorLogLevel.Warning, "Warning {Step}", [3]),
                         new Log(ActorLogLevel.Error, "Error {Step}", [4], cause),
                     })
            {
                Assert.Equal("logged", await actor.Ask<string>(log, Dilated(TimeSpan.FromSeconds(5))));
            }

            await AwaitConditionAsync(() => Task.FromResult(FromActor().Length == 4), TimeSpan.FromSeconds(10));
            var events = FromActor();

            Assert.Equal(
                [LogEventLevel.Debug, LogEventLevel.Information, LogEventLevel.Warning, LogEventLevel.Error],
                events.Select(e => e.Level).ToArray());
            Assert.All(events, e => Assert.Equal(typeof(Chatty).FullName, ScalarProperty(e, "SourceContext")));
            Assert.Equal(["Debug {Step}", "Info {Step}", "Warning {Step}", "Error {Step}"], events.Select(e => e.MessageTemplate.Text).ToArray());
            Assert.Equal([1, 2, 3, 4], events.Select(e => ScalarProperty(e, "Step")).ToArray());
            Assert.Equal("Info 2", events[1].RenderMessage());
            Assert.Same(cause, events[3].Exception);
            Assert.Null(events[0].Exception);

            SerilogEvent[] FromActor() => [.. sink.Events.Where(e => Equals(ScalarProperty(e, "ActorPath"), path))];
        }
        finally
        {
            Shutdown(system);
        }
    }

    [Fact]
    public async Task Serilog_does_not_see_events_below_the_systems_level()
    {
        var sink = new CollectingSink();
        var logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger();
        var system = ActorSystem.Create("serilog-filtered", ActorSystemSettings.Default with { Logger = logger, LogLevel = ActorLogLevel.Warning });
        try
        {
            var actor = system.ActorOf(Props.Create(() => new Chatty()), "chatty");
            var path = actor.Path.ToString();

            await actor.Ask<string>(new Log(ActorLogLevel.Debug, "debug", []), Dilated(TimeSpan.FromSeconds(5)));
            await actor.Ask<string>(new Log(ActorLogLevel.Info, "info", []), Dilated(TimeSpan.FromSeconds(5)));
            await actor.Ask<string>(new Log(ActorLogLevel.Warning, "warning", []), Dilated(TimeSpan.FromSeconds(5)));

            // The Serilog logger is one actor, so events reach it in the order they were published.
            await AwaitConditionAsync(() => Task.FromResult(sink.Events.Any(e => Equals(ScalarProperty(e, "ActorPath"), path))),
                TimeSpan.FromSeconds(10));
            var fromActor = sink.Events.Where(e => Equals(ScalarProperty(e, "ActorPath"), path)).ToArray();
            var warning = Assert.Single(fromActor);
            Assert.Equal(LogEventLevel.Warning, warning.Level);
            Assert.Equal("warning", warning.MessageTemplate.Text);
        }
        finally
        {
            Shutdown(system);
        }
    }
}
