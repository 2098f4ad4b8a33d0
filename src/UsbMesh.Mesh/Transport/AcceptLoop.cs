namespace UsbMesh.Mesh.Transport;

/// <summary>The accept loop every listening transport runs: take connections until the listener ends, admit each apart.</summary>
internal static class AcceptLoop
{
    /// <summary>
    /// Accepts until <paramref name="stop"/> is cancelled or the listener fails (closed: <paramref name="ends"/>), and
    /// starts <paramref name="admit"/> for each connection without waiting for it (a slow handshake holds no other).
    /// </summary>
    public static async Task RunAsync<T>(Func<CancellationToken, ValueTask<T>> accept, Func<T, Task> admit, Func<Exception, bool> ends, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            T connection;
            try
            {
                connection = await accept(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException || ends(e))
            {
                return;
            }

            _ = admit(connection);
        }
    }
}
