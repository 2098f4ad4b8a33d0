using Serilog.Events;

namespace UsbMesh.Actors.Event;

/// <summary>
/// Writes log events to Serilog with the actor path as the <c>ActorPath</c> property and the actor class as
/// <c>SourceContext</c>. Runs as an actor so that logging never blocks the actor that logs.
/// </summary>
internal sealed class SerilogLogger : ReceiveActor
{
    public SerilogLogger(Serilog.ILogger logger)
    {
        Receive<LogEvent>(e => logger
            .ForContext("ActorPath", e.LogSource)
            .ForContext(Serilog.Core.Constants.SourceContextPropertyName, e.LogClass.FullName)
            .Write(ToSerilog(e.Level), e.Cause, e.Template, e.Args));
    }

    private static LogEventLevel ToSerilog(LogLevel level) => level switch
    {
        LogLevel.Debug => LogEventLevel.Debug,
        LogLevel.Info => LogEventLevel.Information,
        LogLevel.Warning => LogEventLevel.Warning,
        _ => LogEventLevel.Error,
    };
}

/// <summary>Logs dead letters and unhandled messages, up to a limit, so that lost messages are visible.</summary>
internal sealed class DeadLetterListener : ReceiveActor
{
    public DeadLetterListener(int limit)
    {
        var log = Context.GetLogger();
        var count = 0;
        Receive<DeadLetter>(d => Report(d.Message, d.Sender, d.Recipient, "was not delivered (dead letter)"));
        Receive<UnhandledMessage>(u => Report(u.Message, u.Sender, u.Recipient, "was not handled"));

        void Report(object message, IActorRef sender, IActorRef recipient, string what)
        {
            if (++count > limit)
            {
                return;
            }

            var suffix = count == limit ? "; no more are logged" : "";
            log.Info("Message {MessageType} from {Sender} to {Recipient} " + what + " ({Count} of at most {Limit} logged" + suffix + ")",
                message.GetType().Name, sender, recipient, count, limit);
        }
    }
}
