using System.Text.Json.Serialization;

namespace UsbMesh.Shell;

/// <summary>
/// What a shell connection carries, one frame at a time (<see cref="ShellFraming"/>), in both directions. The
/// client sends <see cref="Hello"/> once, then <see cref="Run"/> per command; the node answers Hello with
/// <see cref="Welcome"/> and each Run with any number of output frames for its id, always ending with exactly one
/// <see cref="End"/>. Several commands may run at once on one connection.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(Hello), "hello")]
[JsonDerivedType(typeof(Welcome), "welcome")]
[JsonDerivedType(typeof(Run), "run")]
[JsonDerivedType(typeof(Cancel), "cancel")]
[JsonDerivedType(typeof(Line), "line")]
[JsonDerivedType(typeof(Table), "table")]
[JsonDerivedType(typeof(Progress), "progress")]
[JsonDerivedType(typeof(Error), "error")]
[JsonDerivedType(typeof(End), "end")]
public abstract record ShellFrame
{
    /// <summary>The first frame of a client: who it is, for the node's log.</summary>
    public sealed record Hello(string Client) : ShellFrame;

    /// <summary>The node's answer to <see cref="Hello"/>: who it is and the palettes it offers.</summary>
    public sealed record Welcome(string Node, string NodeId, IReadOnlyList<CommandPalette> Palettes) : ShellFrame;

    /// <summary>Runs <paramref name="Request"/>; every output frame for it carries <paramref name="Id"/>.</summary>
    public sealed record Run(int Id, CommandRequest Request) : ShellFrame;

    /// <summary>Asks the node to stop command <paramref name="Id"/> (Ctrl-C); it still ends with <see cref="End"/>.</summary>
    public sealed record Cancel(int Id) : ShellFrame;

    /// <summary>One line of text output.</summary>
    public sealed record Line(int Id, string Text) : ShellFrame;

    /// <summary>Rows of output with named columns: a table for people, objects for <c>--json</c>.</summary>
    public sealed record Table(int Id, string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows) : ShellFrame;

    /// <summary>How far long work has come (<paramref name="Total"/> 0: unknown).</summary>
    public sealed record Progress(int Id, string Label, long Done, long Total) : ShellFrame;

    /// <summary>The command failed or was refused; <paramref name="Code"/> is one of <see cref="ShellErrors"/>.</summary>
    public sealed record Error(int Id, string Code, string Message) : ShellFrame;

    /// <summary>The final mark of command <paramref name="Id"/>: nothing more comes for it.</summary>
    public sealed record End(int Id, int ExitCode) : ShellFrame;
}
