using UsbMesh.Actors;

namespace UsbMesh.TestKit;

/// <summary>Expectations on the messages the test actor receives.</summary>
public abstract partial class TestKitBase
{
    /// <summary>Expects the next message to be a <typeparamref name="T"/>.</summary>
    public T ExpectMsg<T>(TimeSpan? timeout = null, string? hint = null) =>
        ExpectMsgAsync<T>(timeout, hint).GetAwaiter().GetResult();

    /// <summary>Expects the next message to equal <paramref name="message"/>.</summary>
    public T ExpectMsg<T>(T message, TimeSpan? timeout = null, string? hint = null) =>
        ExpectMsgAsync(message, timeout, hint).GetAwaiter().GetResult();

    /// <summary>Expects the next message to be a <typeparamref name="T"/> that satisfies <paramref name="isMessage"/>.</summary>
    public T ExpectMsg<T>(Predicate<T> isMessage, TimeSpan? timeout = null, string? hint = null) =>
        ExpectMsgAsync(isMessage, timeout, hint).GetAwaiter().GetResult();

    /// <summary>Expects the next message to be a <typeparamref name="T"/> and runs <paramref name="assert"/> on it.</summary>
    public T ExpectMsg<T>(Action<T> assert, TimeSpan? timeout = null, string? hint = null) =>
        ExpectMsgAsync(assert, timeout, hint).GetAwaiter().GetResult();

    public Task<T> ExpectMsgAsync<T>(TimeSpan? timeout = null, string? hint = null, CancellationToken cancellationToken = default) =>
        ExpectMatchingAsync<T>(_ => null, timeout, hint, cancellationToken);

    public Task<T> ExpectMsgAsync<T>(T message, TimeSpan? timeout = null, string? hint = null, CancellationToken cancellationToken = default) =>
        ExpectMatchingAsync<T>(m => Equals(m, message) ? null : $"expected {message} but got {m}", timeout, hint, cancellationToken);

    public Task<T> ExpectMsgAsync<T>(Predicate<T> isMessage, TimeSpan? timeout = null, string? hint = null, CancellationToken cancellationToken = default) =>
        ExpectMatchingAsync<T>(m => isMessage(m) ? null : $"{m} does not satisfy the predicate", timeout, hint, cancellationToken);

    public Task<T> ExpectMsgAsync<T>(Action<T> assert, TimeSpan? timeout = null, string? hint = null, CancellationToken cancellationToken = default) =>
        ExpectMatchingAsync<T>(m =>
        {
            assert(m);
            return null;
        }, timeout, hint, cancellationToken);

    /// <summary>Expects nothing to arrive for <paramref name="duration"/> (dilated; default: what remains, or 3 s).</summary>
    public void ExpectNoMsg(TimeSpan? duration = null) => ExpectNoMsgAsync(duration).GetAwaiter().GetResult();

    public async Task ExpectNoMsgAsync(TimeSpan? duration = null, CancellationToken cancellationToken = default)
    {
        var wait = Timeout(duration);
        var received = await TryReceiveAsync(wait, cancellationToken).ConfigureAwait(false);
        if (received is not null)
        {
            throw new TestKitFailure($"Expected no message for {wait.TotalMilliseconds:0} ms but got {received.Message} from {received.Sender}.");
        }
    }

    /// <summary>Expects the <see cref="Terminated"/> of <paramref name="target"/>, which must be watched (see <c>Watch</c>).</summary>
    public Terminated ExpectTerminated(IActorRef target, TimeSpan? timeout = null, string? hint = null) =>
        ExpectTerminatedAsync(target, timeout, hint).GetAwaiter().GetResult();

    public Task<Terminated> ExpectTerminatedAsync(IActorRef target, TimeSpan? timeout = null, string? hint = null,
        CancellationToken cancellationToken = default) =>
        ExpectMatchingAsync<Terminated>(
            t => t.ActorRef.Equals(target) ? null : $"expected Terminated of {target} but got Terminated of {t.ActorRef}",
            timeout, hint ?? $"Terminated of {target}", cancellationToken);

    /// <summary>Expects exactly these messages, in any order.</summary>
    public IReadOnlyList<T> ExpectMsgAllOf<T>(params T[] messages) => ExpectMsgAllOfAsync(null, messages).GetAwaiter().GetResult();

    public IReadOnlyList<T> ExpectMsgAllOfWithin<T>(TimeSpan max, params T[] messages) =>
        ExpectMsgAllOfAsync(max, messages).GetAwaiter().GetResult();

    public async Task<IReadOnlyList<T>> ExpectMsgAllOfAsync<T>(TimeSpan? max, IReadOnlyCollection<T> messages,
        CancellationToken cancellationToken = default)
    {
        var received = await ReceiveNAsync(messages.Count, max, cancellationToken).ConfigureAwait(false);
        var missing = messages.Cast<object?>().ToList();
        var unexpected = new List<object>();
        foreach (var message in received)
        {
            var index = missing.FindIndex(m => Equals(m, message));
            if (index >= 0)
            {
                missing.RemoveAt(index);
            }
            else
            {
                unexpected.Add(message);
            }
        }

        if (missing.Count > 0 || unexpected.Count > 0)
        {
            throw new TestKitFailure($"ExpectMsgAllOf: missing {Describe(missing!)}; unexpected {Describe(unexpected)}.");
        }

        return received.Cast<T>().ToList();
    }

    /// <summary>Discards messages until one satisfies <paramref name="isMessage"/> and returns it.</summary>
    public object FishForMessage(Predicate<object> isMessage, TimeSpan? max = null, string? hint = null) =>
        FishForMessageAsync(isMessage, max, hint).GetAwaiter().GetResult();

    public T FishForMessage<T>(Predicate<T> isMessage, TimeSpan? max = null, string? hint = null) =>
        (T)FishForMessage(m => m is T typed && isMessage(typed), max, hint);

    public async Task<object> FishForMessageAsync(Predicate<object> isMessage, TimeSpan? max = null, string? hint = null,
        CancellationToken cancellationToken = default)
    {
        var deadline = Deadline(Timeout(max));
        var discarded = new List<object>();
        while (true)
        {
            var next = await TryReceiveAsync(deadline.Remaining, cancellationToken).ConfigureAwait(false)
                ?? throw new TestKitFailure(
                    $"FishForMessage{Hint(hint)}: no matching message within {deadline.Total.TotalMilliseconds:0} ms; discarded {Describe(discarded)}.");
            if (isMessage(next.Message))
            {
                return next.Message;
            }

            discarded.Add(next.Message);
        }
    }

    /// <summary>
    /// Takes the next message and checks that it is a <typeparamref name="T"/>; <paramref name="check"/> returns null
    /// when it matches, otherwise why not (or throws, for assertion-style checks).
    /// </summary>
    private async Task<T> ExpectMatchingAsync<T>(Func<T, string?> check, TimeSpan? timeout, string? hint, CancellationToken cancellationToken)
    {
        var wait = Timeout(timeout);
        var received = await TryReceiveAsync(wait, cancellationToken).ConfigureAwait(false)
            ?? throw new TestKitFailure($"Timeout ({wait.TotalMilliseconds:0} ms) while waiting for a message of type {typeof(T).Name}{Hint(hint)}.");
        if (received.Message is not T typed)
        {
            throw new TestKitFailure(
                $"Expected a message of type {typeof(T).Name}{Hint(hint)} but got {received.Message} ({received.Message.GetType().Name}) from {received.Sender}.");
        }

        var mismatch = check(typed);
        return mismatch is null ? typed : throw new TestKitFailure($"ExpectMsg{Hint(hint)}: {mismatch}.");
    }

    private static string Hint(string? hint) => string.IsNullOrEmpty(hint) ? "" : $" ({hint})";
}
