using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UsbMesh.Actors;

namespace UsbMesh.Node.Tests;

public sealed class HostingSpec : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private IHost BuildHost(string name)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddUsbMesh(ConfigurationFactory.ParseString($$"""
            usbmesh {
              listen.endpoints = ["127.0.0.1:0"]
              node { name = {{name}}, state-directory = "{{_directory.Path}}" }
              logging {
                console.enabled = off
                file { path = node.log, format = text, rolling = infinite }
              }
              coordinated-shutdown {
                default-phase-timeout = 1s
                phases.actor-system-terminate.timeout = 3s
              }
            }
            """, "hosting.conf"));
        return builder.Build();
    }

    private string LogText() => File.ReadAllText(Path.Combine(_directory.Path, "node.log"));

    [Fact]
    public async Task The_node_creates_its_identity_key_on_first_start_and_keeps_it_afterwards()
    {
        foreach (var _ in new[] { "first", "second" })
        {
            using var host = BuildHost("keeper");
            await host.StartAsync().WaitAsync(Bound);
            await host.StopAsync().WaitAsync(Bound);
        }

        var lines = System.Text.RegularExpressions.Regex.Matches(LogText(), @"Node keeper has id (\S+) \(key (created|loaded): (\S+)\)");
        Assert.Equal(2, lines.Count);
        Assert.Equal(("created", "loaded"), (lines[0].Groups[2].Value, lines[1].Groups[2].Value));
        Assert.Equal(lines[0].Groups[1].Value, lines[1].Groups[1].Value);
        var keyFile = Path.Combine(_directory.Path, "identity.key");
        Assert.Equal(keyFile, lines[0].Groups[3].Value);
        Assert.Equal(Mesh.Identity.NodeIdentity.Load(keyFile).Id, Mesh.Identity.NodeId.Parse(lines[0].Groups[1].Value));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }
    }

    [Fact]
    public async Task The_host_starts_the_actor_system_and_stops_it_through_the_shutdown_phases()
    {
        ActorSystem system;
        using (var host = BuildHost("hosted"))
        {
            await host.StartAsync().WaitAsync(Bound);
            system = host.Services.GetRequiredService<ActorSystem>();
            Assert.Equal("hosted", system.Name);
            Assert.Equal("PinnedDispatcher", system.Settings.Dispatchers["usb-host-dispatcher"].Type);
            Assert.False(system.WhenTerminated.IsCompleted);

            await host.StopAsync().WaitAsync(Bound);

            Assert.True(system.WhenTerminated.IsCompleted);
            Assert.Equal("host-stop", system.CoordinatedShutdown.ShutdownReason?.Name);
        }

        var log = LogText();
        foreach (var phase in CoordinatedShutdown.Phases)
        {
            Assert.Contains($"Shutdown phase {phase}", log, StringComparison.Ordinal);
        }

        Assert.Contains("Coordinated shutdown of hosted", log, StringComparison.Ordinal);
        Assert.Contains("Node hosted stopped", log, StringComparison.Ordinal);
    }

    [Fact]
    public void The_host_waits_as_long_as_the_shutdown_phases_may_take()
    {
        using var host = BuildHost("patient");

        var options = host.Services.GetRequiredService<IOptions<HostOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(5 * 1 + 3) + ServiceCollectionExtensions.HostShutdownMargin, options.ShutdownTimeout);
    }

    [Fact]
    public async Task The_actor_system_terminating_by_itself_stops_the_host()
    {
        using var host = BuildHost("self-stopping");
        await host.StartAsync().WaitAsync(Bound);
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stopping.TrySetResult());

        var system = host.Services.GetRequiredService<ActorSystem>();
        await system.Terminate().WaitAsync(Bound);

        await stopping.Task.WaitAsync(Bound);
        await host.StopAsync().WaitAsync(Bound);
        Assert.False(ActorSystemService.TerminatedUnexpectedly(system), "a requested termination is a clean stop");
    }

    [Fact]
    public async Task An_actor_system_that_ends_without_a_shutdown_counts_as_a_failure()
    {
        var escalating = new OneForOneStrategy(_ => Directive.Escalate);
        using var system = ActorSystem.Create("failing", ActorSystemSettings.Default with { GuardianSupervisorStrategy = escalating });
        Assert.False(ActorSystemService.TerminatedUnexpectedly(system));

        system.ActorOf(Props.Create(() => new FailingActor())).Tell("fail");

        await system.WhenTerminated.WaitAsync(Bound);
        Assert.True(ActorSystemService.TerminatedUnexpectedly(system));
    }

    private sealed class FailingActor : ReceiveActor
    {
        public FailingActor() => Receive<string>(_ => throw new InvalidOperationException("top-level failure"));
    }

    [Fact]
    public async Task Microsoft_logging_goes_to_the_node_sinks_with_the_configured_levels()
    {
        using (var host = BuildHost("logging"))
        {
            var factory = host.Services.GetRequiredService<ILoggerFactory>();
            factory.CreateLogger("UsbMesh.Node.Tests.Component").LogInformation("Component says {Word}", "hello");
            factory.CreateLogger("Microsoft.Hosting.Lifetime").LogInformation("Below the Microsoft override");
            factory.CreateLogger("Microsoft.Hosting.Lifetime").LogWarning("At the Microsoft override");
            await host.StartAsync().WaitAsync(Bound);
            await host.StopAsync().WaitAsync(Bound);
        }

        var log = LogText();
        Assert.Contains("[INF] UsbMesh.Node.Tests.Component: Component says hello", log, StringComparison.Ordinal);
        Assert.Contains("At the Microsoft override", log, StringComparison.Ordinal);
        Assert.DoesNotContain("Below the Microsoft override", log, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_configuration_is_refused_before_anything_is_registered()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<ConfigurationException>(() =>
            services.AddUsbMesh(ConfigurationFactory.ParseString("usbmesh.logging.level = loud", "bad.conf")));

        Assert.StartsWith("bad.conf:1:", error.Message, StringComparison.Ordinal);
        Assert.Empty(services);
    }
}
