using Serilog;
using Serilog.Core;
using Serilog.Events;
using UsbMesh.Actors;
using Xunit.Abstractions;

namespace UsbMesh.TestKit;

/// <summary>
/// Base class for xunit actor tests: each test gets its own <see cref="ActorSystem"/>, shut down when the test ends
/// (a system that does not terminate in time fails the test). Log events go to the test's output.
/// </summary>
public abstract class TestKit : TestKitBase, IDisposable
{
    protected TestKit(ITestOutputHelper? output = null, ActorSystemSettings? settings = null, string? systemName = null)
    {
        settings ??= ActorSystemSettings.Default;
        if (output is not null && settings.Logger is null)
        {
            settings = settings with
            {
                Logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(new TestOutputSink(output)).CreateLogger(),
            };
        }

        InitializeTest(ActorSystem.Create(systemName ?? SystemNameFor(GetType()), settings), "testActor");
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Shutdown(Sys);
        }
    }

    /// <summary>Terminates <paramref name="system"/> and fails unless it stops within the (dilated) shutdown timeout.</summary>
    protected static void Shutdown(ActorSystem system, TimeSpan? timeout = null)
    {
        var limit = Dilated(timeout ?? TestKitSettings.ShutdownTimeout);
        if (!system.Terminate().Wait(limit))
        {
            throw new TestKitFailure($"{system} did not terminate within {limit.TotalMilliseconds:0} ms.");
        }
    }

    private static string SystemNameFor(Type testClass)
    {
        var name = new string(testClass.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray());
        return name.Length > 0 && char.IsAsciiLetterOrDigit(name[0]) ? name : "test" + name;
    }

    /// <summary>Writes Serilog events to the xunit test output.</summary>
    private sealed class TestOutputSink(ITestOutputHelper output) : ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
            var path = logEvent.Properties.TryGetValue("ActorPath", out var value) ? value.ToString().Trim('"') : "";
            try
            {
                output.WriteLine($"{logEvent.Timestamp:HH:mm:ss.fff} [{logEvent.Level}] {path} {logEvent.RenderMessage()}" +
                                 (logEvent.Exception is null ? "" : $" {logEvent.Exception.GetType().Name}: {logEvent.Exception.Message}"));
            }
            catch (InvalidOperationException)
            {
                // The test has already finished; xunit refuses output from then on.
            }
        }
    }
}
