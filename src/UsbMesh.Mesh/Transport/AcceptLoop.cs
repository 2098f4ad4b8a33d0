namespace UsbMesh.Mesh.Transport;

/// <summary>The accept loop every listening transport runs: take connections until the listener ends, admit each apart.</summary>
internal static class AcceptLoop
{
    /// <summary>The pause after a failed accept, so that a lasting failure (no descriptors left) does not spin.</summary>
    private static readonly TimeSpan FailurePause = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Accepts until <paramref name="stop"/> is cancelled or the listener is closed, and starts <paramref name="admit"/>
    /// for each connection without waiting for it (a slow handshake holds no other). A failed accept of the kind
    /// <paramref name="transient"/> names (a connection reset while queued, no descriptors left during a flood) is
    /// followed by a short pause and the next accept: it must not end the listener.
    /// </summary>
    public static async Task RunAsync<T>(Func<CancellationToken, ValueTask<T>> accept, Func<T, Task> admit, Func<Exception, bool> transient, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            T connection;
            try
            {
                connection = await accept(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException || stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (transient(e))
            {
                await Task.Delay(FailurePause, CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            _ = admit(connection);
        }
    }
}
