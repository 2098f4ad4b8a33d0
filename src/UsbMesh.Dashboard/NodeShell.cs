using Microsoft.Extensions.Logging;
using UsbMesh.Shell;

namespace UsbMesh.Dashboard;

/// <summary>What one shell command produced.</summary>
/// <param name="Tables">Its tables, by title.</param>
/// <param name="Lines">Its lines of text.</param>
/// <param name="Error">Its error, if it failed or was refused.</param>
internal sealed record CommandOutcome(IReadOnlyDictionary<string, ShellFrame.Table> Tables, IReadOnlyList<string> Lines, ShellFrame.Error? Error)
{
    public static CommandOutcome Failed(string code, string message) => new(new Dictionary<string, ShellFrame.Table>(), [], new ShellFrame.Error(0, code, message));
}

/// <summary>
/// The dashboard's connection to the node's command host, over the admin socket, as a shell client: the page's data
/// and actions are the shell's tables and commands. Connects on first use and again after the connection broke.
/// </summary>
internal sealed partial class NodeShell(string socketPath, ILogger logger) : IAsyncDisposable
{
    /// <summary>How long one command may take before the dashboard stops waiting for it.</summary>
    private static readonly TimeSpan CommandLimit = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ShellClient? _client;
    private bool _disposed;

    /// <summary>Runs the command line <paramref name="words"/>, parsed against the node's own palettes.</summary>
    public async Task<CommandOutcome> RunAsync(IReadOnlyList<string> words, CancellationToken cancellationToken)
    {
        ShellClient client;
        try
        {
            client = await ClientAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ShellUnavailableException e)
        {
            return CommandOutcome.Failed(ShellErrors.Unavailable, e.Message);
        }

        if (CommandParser.Parse(client.Welcome.Palettes, words, null, out var usage) is not { } request)
        {
            return CommandOutcome.Failed(ShellErrors.Usage, usage ?? "The node does not offer this command.");
        }

        var tables = new Dictionary<string, ShellFrame.Table>(StringComparer.Ordinal);
        var lines = new List<string>();
        ShellFrame.Error? error = null;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(CommandLimit);
        try
        {
            // Cancelling asks the node to stop; the wait itself is bounded too, should the end never come.
            await ReadAsync().WaitAsync(CommandLimit * 2, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The reader may still be adding frames: none of them is used.
            await DropAsync(client).ConfigureAwait(false);
            return CommandOutcome.Failed(ShellErrors.Unavailable, $"The node did not answer '{request}' in time.");
        }

        if (error?.Code == ShellErrors.Unavailable)
        {
            await DropAsync(client).ConfigureAwait(false);
        }

        return new CommandOutcome(tables, lines, error);

        async Task ReadAsync()
        {
            await foreach (var frame in client.RunAsync(request, limit.Token).ConfigureAwait(false))
            {
                switch (frame)
                {
                    case ShellFrame.Table table:
                        tables[table.Title] = table;
                        break;
                    case ShellFrame.Line line:
                        lines.Add(line.Text);
                        break;
                    case ShellFrame.Error failed:
                        error ??= failed;
                        break;
                }
            }
        }
    }

    private async Task<ShellClient> ClientAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _client) is { } current)
        {
            return current;
        }

        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_client is null)
            {
                _client = await ShellClient.ConnectAsync(socketPath, "dashboard", cancellationToken).ConfigureAwait(false);
                LogConnected(logger, socketPath, _client.Welcome.Node);
            }

            return _client;
        }
        finally
        {
            _connecting.Release();
        }
    }

    /// <summary>Forgets a broken connection, so the next command connects again.</summary>
    private async Task DropAsync(ShellClient client)
    {
        if (Interlocked.CompareExchange(ref _client, null, client) == client)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _connecting.WaitAsync().ConfigureAwait(false);
        _disposed = true;
        var client = Interlocked.Exchange(ref _client, null);
        _connecting.Release();
        if (client is not null)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(LogLevel.Debug, "Dashboard: connected to the command host of node {Node} at {Socket}")]
    private static partial void LogConnected(ILogger logger, string socket, string node);
}
