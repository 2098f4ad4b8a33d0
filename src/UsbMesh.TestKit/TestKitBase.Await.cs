namespace UsbMesh.TestKit;

/// <summary>Polling assertions, for state that is not observable through messages.</summary>
public abstract partial class TestKitBase
{
    private static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Re-runs <paramref name="assertion"/> until it stops throwing; after <paramref name="duration"/> the last failure is rethrown.</summary>
    public void AwaitAssert(Action assertion, TimeSpan? duration = null, TimeSpan? interval = null) =>
        AwaitAssertAsync(() =>
        {
            assertion();
            return Task.CompletedTask;
        }, duration, interval).GetAwaiter().GetResult();

    public async Task AwaitAssertAsync(Func<Task> assertion, TimeSpan? duration = null, TimeSpan? interval = null)
    {
        var deadline = Deadline(Timeout(duration));
        while (true)
        {
            try
            {
                await assertion().ConfigureAwait(false);
                return;
            }
            catch (Exception) when (deadline.Remaining > TimeSpan.Zero)
            {
                await Task.Delay(Min(interval ?? DefaultPollInterval, deadline.Remaining)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it is true; fails after <paramref name="max"/>.</summary>
    public void AwaitCondition(Func<bool> condition, TimeSpan? max = null, TimeSpan? interval = null, string? message = null) =>
        AwaitConditionAsync(() => Task.FromResult(condition()), max, interval, message).GetAwaiter().GetResult();

    public async Task AwaitConditionAsync(Func<Task<bool>> condition, TimeSpan? max = null, TimeSpan? interval = null, string? message = null)
    {
        var deadline = Deadline(Timeout(max));
        while (!await condition().ConfigureAwait(false))
        {
            if (deadline.Remaining <= TimeSpan.Zero)
            {
                throw new TestKitFailure(
                    $"Timeout ({deadline.Total.TotalMilliseconds:0} ms) while waiting for a condition{Hint(message)}.");
            }

            await Task.Delay(Min(interval ?? DefaultPollInterval, deadline.Remaining)).ConfigureAwait(false);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
