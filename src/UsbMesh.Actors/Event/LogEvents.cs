using System.Text;

namespace UsbMesh.Actors.Event;

public enum LogLevel
{
    Debug,
    Info,
    Warning,
    Error,
    Off,
}

/// <summary>
/// A log event as published on the event stream. <see cref="Template"/> is a message template with named holes
/// (<c>"Claimed {BusId}"</c>) filled positionally from <see cref="Args"/>, so sinks keep the structure.
/// </summary>
public abstract class LogEvent
{
    protected LogEvent(Exception? cause, string logSource, Type logClass, string template, object?[] args)
    {
        Cause = cause;
        LogSource = logSource;
        LogClass = logClass;
        Template = template;
        Args = args;
        Timestamp = DateTimeOffset.UtcNow;
        ThreadId = Environment.CurrentManagedThreadId;
    }

    public abstract LogLevel Level { get; }

    public Exception? Cause { get; }

    /// <summary>Where the event comes from: an actor path, or a component's name.</summary>
    public string LogSource { get; }

    public Type LogClass { get; }

    public string Template { get; }

    public object?[] Args { get; }

    public DateTimeOffset Timestamp { get; }

    public int ThreadId { get; }

    /// <summary>The template with its holes filled, as a person reads it.</summary>
    public string RenderMessage()
    {
        var text = new StringBuilder(Template.Length + 16);
        var next = 0;
        for (var i = 0; i < Template.Length; i++)
        {
            var c = Template[i];
            if (c == '{' && i + 1 < Template.Length && Template[i + 1] == '{')
            {
                text.Append('{');
                i++;
            }
            else if (c == '}' && i + 1 < Template.Length && Template[i + 1] == '}')
            {
                text.Append('}');
                i++;
            }
            else if (c == '{' && Template.IndexOf('}', i) is var end and > 0)
            {
                text.Append(next < Args.Length ? Args[next] ?? "null" : Template[i..(end + 1)]);
                next++;
                i = end;
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    public override string ToString() =>
        $"[{Level}][{Timestamp:O}][{ThreadId}][{LogSource}] {RenderMessage()}" + (Cause is null ? "" : $" {Cause}");
}

public sealed class Debug(string logSource, Type logClass, string template, params object?[] args)
    : LogEvent(null, logSource, logClass, template, args)
{
    public override LogLevel Level => LogLevel.Debug;
}

public sealed class Info(string logSource, Type logClass, string template, params object?[] args)
    : LogEvent(null, logSource, logClass, template, args)
{
    public override LogLevel Level => LogLevel.Info;
}

public sealed class Warning(Exception? cause, string logSource, Type logClass, string template, params object?[] args)
    : LogEvent(cause, logSource, logClass, template, args)
{
    public override LogLevel Level => LogLevel.Warning;
}

public sealed class Error(Exception? cause, string logSource, Type logClass, string template, params object?[] args)
    : LogEvent(cause, logSource, logClass, template, args)
{
    public override LogLevel Level => LogLevel.Error;
}
