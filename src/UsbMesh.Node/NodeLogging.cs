using System.Globalization;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;
using Serilog.Formatting.Json;
using LogLevel = UsbMesh.Actors.Event.LogLevel;

namespace UsbMesh.Node;

/// <summary>Serilog set up from <see cref="LoggingSettings"/>: the level and its overrides, the console and the file.</summary>
public static class NodeLogging
{
    // Serilog has no "off": a level above Fatal lets nothing through.
    private const LogEventLevel SerilogOff = LogEventLevel.Fatal + 1;

    /// <param name="settings">The logging settings.</param>
    /// <param name="levelSwitch">When given, the level is read from it (set to the configured level here), so it can be changed while the node runs.</param>
    public static LoggerConfiguration CreateConfiguration(LoggingSettings settings, LoggingLevelSwitch? levelSwitch = null)
    {
        var configuration = new LoggerConfiguration().Enrich.With<SourceEnricher>();
        if (levelSwitch is null)
        {
            configuration.MinimumLevel.Is(ToSerilog(settings.Level));
        }
        else
        {
            levelSwitch.MinimumLevel = ToSerilog(settings.Level);
            configuration.MinimumLevel.ControlledBy(levelSwitch);
        }

        foreach (var (source, level) in settings.Overrides)
        {
            configuration.MinimumLevel.Override(source, ToSerilog(level));
        }

        if (settings.Console.Enabled)
        {
            if (settings.Console.Format == LogFormat.Json)
            {
                configuration.WriteTo.Console(new JsonFormatter(renderMessage: true));
            }
            else
            {
                configuration.WriteTo.Console(outputTemplate: settings.Console.Template, formatProvider: CultureInfo.InvariantCulture);
            }
        }

        if (settings.File is { } file)
        {
            ITextFormatter formatter = file.Format == LogFormat.Json
                ? new JsonFormatter(renderMessage: true)
                : new MessageTemplateTextFormatter(settings.Console.Template, CultureInfo.InvariantCulture);
            configuration.WriteTo.File(
                formatter,
                file.Path,
                rollingInterval: file.Rolling,
                retainedFileCountLimit: file.RetainedFiles,
                fileSizeLimitBytes: file.SizeLimit,
                rollOnFileSizeLimit: file.SizeLimit is not null);
        }

        return configuration;
    }

    public static Logger CreateLogger(LoggingSettings settings, LoggingLevelSwitch? levelSwitch = null) => CreateConfiguration(settings, levelSwitch).CreateLogger();

    public static LogEventLevel ToSerilog(LogLevel level) => level switch
    {
        LogLevel.Debug => LogEventLevel.Debug,
        LogLevel.Info => LogEventLevel.Information,
        LogLevel.Warning => LogEventLevel.Warning,
        LogLevel.Error => LogEventLevel.Error,
        _ => SerilogOff,
    };

    /// <summary>Adds <c>Source</c>: the actor path of an actor's event, the logger name (SourceContext) of others.</summary>
    private sealed class SourceEnricher : ILogEventEnricher
    {
        private const string PropertyName = "Source";
        private static readonly LogEventProperty Unnamed = new(PropertyName, new ScalarValue("usbmesh"));

        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
        {
            var source = logEvent.Properties.TryGetValue("ActorPath", out var path) ? path
                : logEvent.Properties.TryGetValue(Constants.SourceContextPropertyName, out var context) ? context
                : null;
            logEvent.AddPropertyIfAbsent(source is null ? Unnamed : new LogEventProperty(PropertyName, source));
        }
    }
}
