namespace UsbMesh.Actors.Event;

/// <summary>What actors log through. Calls below the system's level cost one comparison and allocate nothing more
/// than the arguments array.</summary>
public interface ILoggingAdapter
{
    bool IsEnabled(LogLevel level);

    void Debug(string template, params object?[] args);

    void Info(string template, params object?[] args);

    void Warning(string template, params object?[] args);

    void Warning(Exception cause, string template, params object?[] args);

    void Error(string template, params object?[] args);

    void Error(Exception cause, string template, params object?[] args);
}

/// <summary>Publishes log events on the event stream, where the logger actors (Serilog) and test filters pick them up.</summary>
internal sealed class BusLogging(EventStream stream, string logSource, Type logClass) : ILoggingAdapter
{
    public bool IsEnabled(LogLevel level) => level >= stream.LogLevel && level != LogLevel.Off;

    public void Debug(string template, params object?[] args)
    {
        if (IsEnabled(LogLevel.Debug))
        {
            stream.Publish(new Debug(logSource, logClass, template, args));
        }
    }

    public void Info(string template, params object?[] args)
    {
        if (IsEnabled(LogLevel.Info))
        {
            stream.Publish(new Info(logSource, logClass, template, args));
        }
    }

    public void Warning(string template, params object?[] args) => Publish(LogLevel.Warning, null, template, args);

    public void Warning(Exception cause, string template, params object?[] args) => Publish(LogLevel.Warning, cause, template, args);

    public void Error(string template, params object?[] args) => Publish(LogLevel.Error, null, template, args);

    public void Error(Exception cause, string template, params object?[] args) => Publish(LogLevel.Error, cause, template, args);

    private void Publish(LogLevel level, Exception? cause, string template, object?[] args)
    {
        if (!IsEnabled(level))
        {
            return;
        }

        stream.Publish(level == LogLevel.Error
            ? new Error(cause, logSource, logClass, template, args)
            : new Warning(cause, logSource, logClass, template, args));
    }
}

public static class Logging
{
    /// <summary>The logger of the calling actor: events carry its path as their source.</summary>
    public static ILoggingAdapter GetLogger(this IActorContext context) =>
        GetLogger(context.System, context.Self.Path.ToString(), context.Props.Type);

    /// <summary>A logger for a component that is not an actor.</summary>
    public static ILoggingAdapter GetLogger(ActorSystem system, string logSource, Type logClass) =>
        new BusLogging(system.EventStream, logSource, logClass);
}
