using Serilog.Core;

namespace UsbMesh.Node;

/// <summary>
/// The node's running log level: the switch its Serilog logger is built with, which the shell's <c>log level</c>
/// turns. Actors log through the actor system's own filter as well, set from the configuration at start.
/// </summary>
public sealed class NodeLogLevel(LoggingLevelSwitch levelSwitch)
{
    public LoggingLevelSwitch Switch { get; } = levelSwitch;
}
