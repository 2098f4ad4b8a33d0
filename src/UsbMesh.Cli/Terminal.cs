using Spectre.Console;

namespace UsbMesh.Cli;

/// <summary>
/// The client's consoles. Output for people is plain (no colour, no live widgets, no wrapping) when it is not a
/// terminal or NO_COLOR is set, so that pipes, files and scripts get stable text.
/// </summary>
internal sealed class Terminal
{
    /// <summary>Lines of plain output are not wrapped; a table as wide as this fits on one line per row.</summary>
    private const int PlainWidth = 4096;

    private Terminal(TextWriter writer, IAnsiConsole output, IAnsiConsole errors, bool plain)
    {
        Writer = writer;
        Out = output;
        Error = errors;
        IsPlain = plain;
    }

    /// <summary>Standard output, for people.</summary>
    public IAnsiConsole Out { get; }

    /// <summary>Standard output as text, for scripts (<c>--json</c>).</summary>
    public TextWriter Writer { get; }

    /// <summary>Standard error: diagnostics, never mixed into what a script reads.</summary>
    public IAnsiConsole Error { get; }

    /// <summary>No colour and no live widgets on standard output.</summary>
    public bool IsPlain { get; }

    /// <summary>Whether standard input is a person at a keyboard (line editing, history, completion).</summary>
    public static bool InputIsTerminal => !Console.IsInputRedirected;

    public static Terminal Create()
    {
        var noColor = Environment.GetEnvironmentVariable("NO_COLOR") is { Length: > 0 };
        var plain = Console.IsOutputRedirected || noColor;
        return new Terminal(
            Console.Out,
            Create(Console.Out, plain),
            Create(Console.Error, Console.IsErrorRedirected || noColor),
            plain);
    }

    /// <summary>Plain consoles over <paramref name="output"/> and <paramref name="errors"/> (for specs).</summary>
    internal static Terminal Plain(TextWriter output, TextWriter errors) => new(output, Create(output, plain: true), Create(errors, plain: true), plain: true);

    /// <summary>Writes <paramref name="message"/> to standard error, in red on a terminal.</summary>
    public void WriteError(string message) => Error.MarkupLine($"[red]{Markup.Escape(message)}[/]");

    private static IAnsiConsole Create(TextWriter writer, bool plain)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = plain ? InteractionSupport.No : InteractionSupport.Detect,
            Out = new AnsiConsoleOutput(writer),
        });
        if (plain)
        {
            console.Profile.Width = PlainWidth;
        }

        return console;
    }
}
