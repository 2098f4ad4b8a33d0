using UsbMesh.Shell;

namespace UsbMesh.Node.Shell;

/// <summary>A command cannot go on; it ends with an error frame of <paramref name="code"/> (<see cref="ShellErrors"/>).</summary>
public sealed class ShellCommandException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;

    public static ShellCommandException NotFound(string message) => new(ShellErrors.NotFound, message);

    public static ShellCommandException Failed(string message) => new(ShellErrors.Failed, message);

    public static ShellCommandException Usage(string message) => new(ShellErrors.Usage, message);
}
