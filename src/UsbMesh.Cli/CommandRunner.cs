using UsbMesh.Cli.Output;
using UsbMesh.Shell;

namespace UsbMesh.Cli;

/// <summary>Runs one request on a node and shows its frames until its end; the exit code is the end's.</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(ShellClient client, CommandRequest request, ICommandOutput output, Terminal terminal, CommandCancellation cancellation)
    {
        var frames = client.RunAsync(request, cancellation.Cancel).GetAsyncEnumerator(CancellationToken.None);
        var exitCode = ShellErrors.ExitFailed;
        var abandoned = false;
        while (true)
        {
            try
            {
                if (!await frames.MoveNextAsync().AsTask().WaitAsync(cancellation.Abandon).ConfigureAwait(false))
                {
                    break;
                }
            }
            catch (OperationCanceledException) when (cancellation.Abandon.IsCancellationRequested)
            {
                // The enumerator stays where it is: disposing it while it waits is not allowed, and the connection ends soon.
                abandoned = true;
                exitCode = ShellErrors.ExitCancelled;
                break;
            }

            switch (frames.Current)
            {
                case ShellFrame.Error error:
                    terminal.WriteError(error.Message);
                    break;
                case ShellFrame.End end:
                    exitCode = end.ExitCode;
                    break;
                case var frame:
                    output.Write(frame);
                    break;
            }
        }

        await output.CompleteAsync().ConfigureAwait(false);
        if (abandoned)
        {
            terminal.WriteError($"Stopped waiting for '{request}' to end.");
        }
        else
        {
            await frames.DisposeAsync().ConfigureAwait(false);
        }

        return exitCode;
    }
}
