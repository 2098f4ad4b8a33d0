namespace UsbMesh.Cli.Interactive;

/// <summary>Where the prompt's lines come from.</summary>
internal interface ILineReader
{
    /// <summary>The next line, or null at the end of input (Ctrl-D, end of a pipe).</summary>
    Task<string?> ReadLineAsync(string prompt);
}

/// <summary>Lines from a pipe or file, as they are: no prompt, no editing (how scripts and tests drive the shell).</summary>
internal sealed class PlainLineReader : ILineReader
{
    public Task<string?> ReadLineAsync(string prompt) => Console.In.ReadLineAsync();
}
