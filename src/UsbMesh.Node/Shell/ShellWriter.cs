using UsbMesh.Shell;

namespace UsbMesh.Node.Shell;

/// <summary>
/// The sending side of one shell connection, shared by the commands running on it: one frame at a time. Once the
/// stream breaks, frames are dropped: the reading side notices the same break and ends the connection.
/// </summary>
internal sealed class ShellWriter(Stream stream) : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private volatile bool _broken;

    public async Task WriteAsync(ShellFrame frame)
    {
        if (_broken)
        {
            return;
        }

        try
        {
            await _lock.WaitAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        try
        {
            // Bounded, so that a client that stopped reading cannot hold a command's end forever.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await ShellFraming.WriteAsync(stream, frame, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A socket's IOException, a mesh lane's own errors, a stream closed meanwhile: the connection is gone.
            _broken = true;
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose() => _lock.Dispose();
}
