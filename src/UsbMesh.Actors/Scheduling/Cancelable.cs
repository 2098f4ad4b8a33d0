namespace UsbMesh.Actors;

/// <summary>A handle that cancels scheduled work.</summary>
public interface ICancelable
{
    bool IsCancellationRequested { get; }

    CancellationToken Token { get; }

    void Cancel();
}

/// <summary>The standard <see cref="ICancelable"/>, backed by a <see cref="CancellationTokenSource"/>.</summary>
public sealed class Cancelable : ICancelable, IDisposable
{
    private readonly CancellationTokenSource _source = new();

    public bool IsCancellationRequested => _source.IsCancellationRequested;

    public CancellationToken Token => _source.Token;

    public static Cancelable CreateCanceled()
    {
        var canceled = new Cancelable();
        canceled.Cancel();
        return canceled;
    }

    public void Cancel()
    {
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Cancelling what has been disposed has nothing left to cancel.
        }
    }

    public void CancelAfter(TimeSpan delay) => _source.CancelAfter(delay);

    public void Dispose() => _source.Dispose();
}
