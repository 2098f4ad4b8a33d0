namespace UsbMesh.Cli;

/// <summary>
/// Ctrl-C while a command runs: the first press asks the node to stop it (a Cancel frame; its output still comes to its
/// end), a second one stops waiting for that end. Between commands a press does nothing here: the prompt's line
/// editor reads it as a key, and a one-shot client has nothing left to stop.
/// </summary>
internal sealed class Interrupts : IDisposable
{
    private CommandCancellation? _running;

    public Interrupts() => Console.CancelKeyPress += OnCancelKeyPress;

    /// <summary>Tokens for the command about to run; <see cref="CommandCancellation.Dispose"/> ends its turn.</summary>
    public CommandCancellation BeginCommand()
    {
        var command = new CommandCancellation(() => _running = null);
        _running = command;
        return command;
    }

    public void Dispose() => Console.CancelKeyPress -= OnCancelKeyPress;

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        _running?.Press();
    }
}

/// <summary>What Ctrl-C does to one command: <see cref="Cancel"/> on the first press, <see cref="Abandon"/> on the second.</summary>
internal sealed class CommandCancellation(Action ended) : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly CancellationTokenSource _abandon = new();

    /// <summary>Asks the node to stop the command.</summary>
    public CancellationToken Cancel => _cancel.Token;

    /// <summary>Stops waiting for the command's end.</summary>
    public CancellationToken Abandon => _abandon.Token;

    /// <summary>A command no key can interrupt (the client is not in the foreground of a terminal).</summary>
    public static CommandCancellation None => new(() => { });

    public void Press()
    {
        if (_cancel.IsCancellationRequested)
        {
            _abandon.Cancel();
        }
        else
        {
            _cancel.Cancel();
        }
    }

    public void Dispose()
    {
        ended();
        _cancel.Dispose();
        _abandon.Dispose();
    }
}
