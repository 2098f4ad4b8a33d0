namespace UsbMesh.Actors.Dispatch;

/// <summary>
/// Gives every actor its own dedicated, named thread, for actors that block (the libusb event loop, socket selects).
/// The thread sleeps on a semaphore while the mailbox is idle and ends when the actor terminates.
/// </summary>
internal sealed class PinnedDispatcher(string id, int throughput) : MessageDispatcher(id, throughput)
{
    internal override void Attach(Mailbox mailbox)
    {
        var pinned = new PinnedThread(mailbox, $"{Id}:{mailbox.Cell.Self.Path.ToStringWithoutAddress()}");
        mailbox.DispatcherState = pinned;
        pinned.Start();
    }

    internal override void Schedule(Mailbox mailbox) => ((PinnedThread)mailbox.DispatcherState!).Signal();

    private sealed class PinnedThread
    {
        private readonly Mailbox _mailbox;
        private readonly SemaphoreSlim _signal = new(0);
        private readonly Thread _thread;

        public PinnedThread(Mailbox mailbox, string name)
        {
            _mailbox = mailbox;
            _thread = new Thread(Loop) { Name = name, IsBackground = true };
        }

        public void Start() => _thread.Start();

        public void Signal() => _signal.Release();

        private void Loop()
        {
            while (!_mailbox.IsClosed)
            {
                _signal.Wait();
                _mailbox.Run();
            }

            _signal.Dispose();
        }
    }
}
