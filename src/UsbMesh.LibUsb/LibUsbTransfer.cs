using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UsbMesh.LibUsb;

/// <summary>The outcome of one isochronous packet.</summary>
/// <param name="Length">Bytes requested for the packet.</param>
/// <param name="ActualLength">Bytes transferred.</param>
/// <param name="Status">The packet's status.</param>
public readonly record struct LibUsbIsoPacketResult(int Length, int ActualLength, LibUsbTransferStatus Status)
{
    /// <summary>The packet status as a URB status.</summary>
    public UrbStatus UrbStatus => Status.ToUrbStatus();
}

/// <summary>
/// One asynchronous libusb transfer with its buffer, following libusb's model: allocate → fill → <see cref="Submit"/>
/// → completion on the event thread → reuse or <see cref="Dispose"/>. <see cref="Cancel"/> is the unlink; it never
/// blocks and the completion still follows (CANCELLED, or the real result if the transfer had already finished).
/// </summary>
/// <remarks>
/// <para>Ownership: the native <c>libusb_transfer</c> and the buffer (native memory, so it never moves) belong to a
/// safe handle and are freed exactly once. While a transfer is in flight it holds a reference on that memory, on the
/// <see cref="LibUsbDeviceHandle"/> (so <c>libusb_close</c> waits for it) and a GC handle to this object (in
/// <c>user_data</c>); the completion callback gives all three back. Disposing an in-flight transfer cancels it and
/// the memory is freed when its callback runs — including the NO_DEVICE completion libusb delivers when the device
/// vanishes.</para>
/// <para>The completion runs on the event thread and must be short and thread-safe; exceptions it throws are
/// swallowed (native code is never unwound).</para>
/// </remarks>
public sealed unsafe class LibUsbTransfer : IDisposable
{
    /// <summary>Size of the setup packet that starts a control transfer's buffer.</summary>
    public const int ControlSetupSize = 8;

    private static long _liveNativeTransfers;

    private readonly TransferMemory _memory;
    private readonly Action<LibUsbTransfer>? _completion;
    private LibUsbDeviceHandle? _deviceHandle;
    private int _inFlight;

    /// <summary>Allocates a transfer and a zeroed native buffer.</summary>
    /// <param name="bufferCapacity">Buffer size in bytes (for control transfers include the 8 setup bytes).</param>
    /// <param name="isoPacketCapacity">Number of isochronous packet descriptors to allocate (0 for other types).</param>
    /// <param name="completion">Called on the event thread when a submitted transfer finishes.</param>
    public LibUsbTransfer(int bufferCapacity, int isoPacketCapacity = 0, Action<LibUsbTransfer>? completion = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bufferCapacity);
        ArgumentOutOfRangeException.ThrowIfNegative(isoPacketCapacity);
        _memory = TransferMemory.Allocate(bufferCapacity, isoPacketCapacity);
        _completion = completion;
        BufferCapacity = bufferCapacity;
        IsoPacketCapacity = isoPacketCapacity;
    }

    /// <summary>
    /// Allocates a transfer whose buffer is <paramref name="buffer"/>, which the caller keeps (and may only reuse or
    /// give back once the transfer is freed).
    /// </summary>
    /// <param name="buffer">A buffer of <see cref="LibUsbDeviceMemory"/> (usbfs maps it: the kernel copies nothing).</param>
    /// <param name="completion">Called on the event thread when a submitted transfer finishes.</param>
    public LibUsbTransfer(LibUsbDeviceBuffer buffer, Action<LibUsbTransfer>? completion = null)
    {
        _memory = TransferMemory.Borrow(buffer);
        _completion = completion;
        BufferCapacity = buffer.Capacity;
    }

    /// <summary>
    /// Allocates a transfer whose buffer is <paramref name="buffer"/>, pinned until the transfer is freed: the data
    /// lands in managed memory the caller keeps (and may hand on without a copy) once the transfer is gone.
    /// </summary>
    /// <param name="buffer">The buffer; not to be read or written by others while the transfer lives.</param>
    /// <param name="completion">Called on the event thread when a submitted transfer finishes.</param>
    public LibUsbTransfer(byte[] buffer, Action<LibUsbTransfer>? completion = null)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        _memory = TransferMemory.Pin(buffer);
        _completion = completion;
        BufferCapacity = buffer.Length;
    }

    /// <summary>Native transfers currently allocated by this process (for leak tests and diagnostics).</summary>
    public static long LiveNativeTransfers => Interlocked.Read(ref _liveNativeTransfers);

    /// <summary>Size of <see cref="Buffer"/>.</summary>
    public int BufferCapacity { get; }

    /// <summary>Isochronous packet descriptors allocated.</summary>
    public int IsoPacketCapacity { get; }

    /// <summary>Whether the transfer is submitted and its completion has not run yet.</summary>
    public bool IsInFlight => Volatile.Read(ref _inFlight) != 0;

    /// <summary>The whole native buffer. Do not touch it while <see cref="IsInFlight"/>.</summary>
    public Span<byte> Buffer => new(_memory.Buffer, BufferCapacity);

    /// <summary>The data stage of a control transfer (the buffer after the setup packet).</summary>
    public Span<byte> ControlData => Buffer[ControlSetupSize..];

    /// <summary>The transfer type last filled.</summary>
    public LibUsbTransferType Type => (LibUsbTransferType)Memory->Type;

    /// <summary>The endpoint address last filled.</summary>
    public byte Endpoint => Memory->Endpoint;

    /// <summary>Bytes requested (for control transfers including the setup packet).</summary>
    public int Length => Memory->Length;

    /// <summary>The status of the last completion.</summary>
    public LibUsbTransferStatus Status => (LibUsbTransferStatus)Memory->Status;

    /// <summary>The last completion as a URB status.</summary>
    public UrbStatus UrbStatus => Status.ToUrbStatus();

    /// <summary>Bytes transferred (for control transfers the data stage only, as libusb reports it).</summary>
    public int ActualLength => Memory->ActualLength;

    /// <summary>Number of isochronous packets in use.</summary>
    public int IsoPacketCount => Memory->NumIsoPackets;

    private LibUsbTransferNative* Memory => _memory.Transfer;

    /// <summary>Prepares a control transfer: writes the setup packet; put OUT data into <see cref="ControlData"/>.</summary>
    /// <param name="handle">The opened device.</param>
    /// <param name="requestType">bmRequestType.</param>
    /// <param name="request">bRequest.</param>
    /// <param name="value">wValue.</param>
    /// <param name="index">wIndex.</param>
    /// <param name="length">wLength: bytes of the data stage.</param>
    /// <param name="timeout">Timeout, or zero for none.</param>
    public void FillControl(LibUsbDeviceHandle? handle, byte requestType, byte request, ushort value, ushort index, ushort length, TimeSpan timeout)
    {
        RequireCapacity(ControlSetupSize + length);
        var setup = Buffer;
        setup[0] = requestType;
        setup[1] = request;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(setup[2..], value);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(setup[4..], index);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(setup[6..], length);
        Fill(handle, LibUsbTransferType.Control, endpoint: 0, ControlSetupSize + length, timeout, isoPackets: 0);
    }

    /// <summary>Prepares a bulk transfer on <paramref name="endpoint"/> (bit 7 set = IN).</summary>
    /// <param name="handle">The opened device.</param>
    /// <param name="endpoint">bEndpointAddress.</param>
    /// <param name="length">Bytes to transfer.</param>
    /// <param name="timeout">Timeout, or zero for none.</param>
    public void FillBulk(LibUsbDeviceHandle? handle, byte endpoint, int length, TimeSpan timeout) =>
        Fill(handle, LibUsbTransferType.Bulk, endpoint, length, timeout, isoPackets: 0);

    /// <summary>Prepares an interrupt transfer on <paramref name="endpoint"/>.</summary>
    /// <param name="handle">The opened device.</param>
    /// <param name="endpoint">bEndpointAddress.</param>
    /// <param name="length">Bytes to transfer.</param>
    /// <param name="timeout">Timeout, or zero for none.</param>
    public void FillInterrupt(LibUsbDeviceHandle? handle, byte endpoint, int length, TimeSpan timeout) =>
        Fill(handle, LibUsbTransferType.Interrupt, endpoint, length, timeout, isoPackets: 0);

    /// <summary>
    /// Prepares an isochronous transfer whose packets lie back to back in the buffer with the given lengths.
    /// </summary>
    /// <param name="handle">The opened device.</param>
    /// <param name="endpoint">bEndpointAddress.</param>
    /// <param name="packetLengths">Length of each packet; their count must not exceed <see cref="IsoPacketCapacity"/>.</param>
    /// <param name="timeout">Timeout, or zero for none.</param>
    public void FillIsochronous(LibUsbDeviceHandle? handle, byte endpoint, ReadOnlySpan<int> packetLengths, TimeSpan timeout)
    {
        if (packetLengths.Length > IsoPacketCapacity)
        {
            throw new ArgumentOutOfRangeException(nameof(packetLengths), $"{packetLengths.Length} packets, {IsoPacketCapacity} allocated");
        }

        var total = 0;
        foreach (var length in packetLengths)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(length, nameof(packetLengths));
            total += length;
        }

        Fill(handle, LibUsbTransferType.Isochronous, endpoint, total, timeout, packetLengths.Length);
        var packets = LibUsbTransferNative.IsoPackets(Memory);
        for (var i = 0; i < packetLengths.Length; i++)
        {
            packets[i] = new LibUsbIsoPacketDescriptorNative { Length = (uint)packetLengths[i] };
        }
    }

    /// <summary>The result of isochronous packet <paramref name="index"/>.</summary>
    /// <param name="index">Packet index, below <see cref="IsoPacketCount"/>.</param>
    public LibUsbIsoPacketResult GetIsoPacket(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, IsoPacketCount);
        var packet = LibUsbTransferNative.IsoPackets(Memory)[index];
        return new LibUsbIsoPacketResult((int)packet.Length, (int)packet.ActualLength, (LibUsbTransferStatus)packet.Status);
    }

    /// <summary>Where packet <paramref name="index"/> starts in the buffer (packets lie back to back).</summary>
    /// <param name="index">Packet index, below <see cref="IsoPacketCount"/>.</param>
    public int GetIsoPacketOffset(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, IsoPacketCount);
        var packets = LibUsbTransferNative.IsoPackets(Memory);
        var offset = 0;
        for (var i = 0; i < index; i++)
        {
            offset += (int)packets[i].Length;
        }

        return offset;
    }

    /// <summary>
    /// Submits the filled transfer without blocking. Throws <see cref="LibUsbException"/> when libusb refuses it
    /// (NO_DEVICE once the device has gone, BUSY if already in flight, INVALID_PARAM without a device handle); the
    /// completion is not called then.
    /// </summary>
    public void Submit()
    {
        ObjectDisposedException.ThrowIf(_memory.IsClosed, this);
        var handle = _deviceHandle;
        if (handle is null || handle.IsInvalid)
        {
            // libusb_submit_transfer dereferences dev_handle unchecked; refuse here instead of crashing.
            throw new LibUsbException(LibUsbError.InvalidParam, "libusb_submit_transfer (no device handle)");
        }

        if (Interlocked.CompareExchange(ref _inFlight, 1, 0) != 0)
        {
            throw new LibUsbException(LibUsbError.Busy, "libusb_submit_transfer");
        }

        bool memoryAdded = false, handleAdded = false;
        GCHandle self = default;
        try
        {
            _memory.DangerousAddRef(ref memoryAdded);
            handle.DangerousAddRef(ref handleAdded);
            self = GCHandle.Alloc(this);
            Memory->DevHandle = handle.DangerousGetHandle();
            Memory->UserData = GCHandle.ToIntPtr(self);
            Memory->Callback = (IntPtr)(delegate* unmanaged[Cdecl]<LibUsbTransferNative*, void>)&OnTransferComplete;
            LibUsbErrors.Check(LibUsbNative.SubmitTransfer(Memory), "libusb_submit_transfer");
        }
        catch
        {
            if (self.IsAllocated)
            {
                self.Free();
            }

            if (handleAdded)
            {
                handle.DangerousRelease();
            }

            if (memoryAdded)
            {
                _memory.DangerousRelease();
            }

            Volatile.Write(ref _inFlight, 0);
            throw;
        }
    }

    /// <summary>
    /// Asks libusb to cancel the transfer (the unlink); does not wait. Returns false when there was nothing to cancel
    /// (not submitted, already completed). The completion runs either way for a submitted transfer.
    /// </summary>
    public bool Cancel()
    {
        if (!IsInFlight)
        {
            return false;
        }

        var added = false;
        try
        {
            _memory.DangerousAddRef(ref added);
            var result = LibUsbNative.CancelTransfer(Memory);
            return result == 0 || (result != (int)LibUsbError.NotFound && LibUsbErrors.Check(result, "libusb_cancel_transfer") == 0);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                _memory.DangerousRelease();
            }
        }
    }

    /// <summary>Frees the transfer now, or — if it is in flight — cancels it and frees it when its completion has run.</summary>
    public void Dispose()
    {
        if (_memory.IsClosed)
        {
            return;
        }

        Cancel();
        _memory.Dispose(); // Releases at once, or when the in-flight reference is given back.
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnTransferComplete(LibUsbTransferNative* transfer)
    {
        try
        {
            var self = GCHandle.FromIntPtr(transfer->UserData);
            var owner = (LibUsbTransfer?)self.Target;
            self.Free();
            owner?.Complete();
        }
        catch
        {
            // Nothing may unwind into libusb's event loop.
        }
    }

    private void Complete()
    {
        var handle = _deviceHandle;
        Volatile.Write(ref _inFlight, 0);
        try
        {
            _completion?.Invoke(this);
        }
        catch
        {
            // A faulty completion must not take the event thread down.
        }
        finally
        {
            handle?.DangerousRelease();
            _memory.DangerousRelease();
        }
    }

    private void Fill(LibUsbDeviceHandle? handle, LibUsbTransferType type, byte endpoint, int length, TimeSpan timeout, int isoPackets)
    {
        ObjectDisposedException.ThrowIf(_memory.IsClosed, this);
        if (IsInFlight)
        {
            throw new InvalidOperationException("The transfer is in flight.");
        }

        RequireCapacity(length);
        _deviceHandle = handle;
        var native = Memory;
        native->DevHandle = IntPtr.Zero;
        native->Type = (byte)type;
        native->Endpoint = endpoint;
        native->Flags = 0;
        native->Timeout = (uint)Math.Clamp(timeout.TotalMilliseconds, 0, uint.MaxValue);
        native->Length = length;
        native->ActualLength = 0;
        native->Status = 0;
        native->Buffer = _memory.Buffer;
        native->NumIsoPackets = isoPackets;
    }

    /// <summary>Sets transfer flags (SHORT_NOT_OK, ADD_ZERO_PACKET) after filling.</summary>
    /// <param name="flags">The flags.</param>
    public void SetFlags(LibUsbTransferFlags flags) => Memory->Flags = (byte)flags;

    private void RequireCapacity(int length)
    {
        if (length > BufferCapacity)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"{length} bytes do not fit the {BufferCapacity}-byte buffer");
        }
    }

    /// <summary>Owns the native <c>libusb_transfer</c> and its buffer; releasing frees both, exactly once.</summary>
    private sealed class TransferMemory : SafeHandle
    {
        private TransferMemory()
            : base(IntPtr.Zero, ownsHandle: true)
        {
        }

        public override bool IsInvalid => handle == IntPtr.Zero;

        public LibUsbTransferNative* Transfer => (LibUsbTransferNative*)handle;

        private GCHandle _pinned;
        private bool _borrowed;

        public byte* Buffer { get; private set; }

        public static TransferMemory Allocate(int bufferCapacity, int isoPackets)
        {
            var memory = AllocateTransfer(isoPackets);
            try
            {
                memory.Buffer = (byte*)NativeMemory.AllocZeroed((nuint)Math.Max(1, bufferCapacity));
            }
            catch
            {
                memory.Dispose();
                throw;
            }

            return memory;
        }

        public static TransferMemory Borrow(LibUsbDeviceBuffer buffer)
        {
            var memory = AllocateTransfer(isoPackets: 0);
            memory._borrowed = true;
            memory.Buffer = (byte*)buffer.Pointer;
            return memory;
        }

        public static TransferMemory Pin(byte[] buffer)
        {
            var memory = AllocateTransfer(isoPackets: 0);
            memory._pinned = GCHandle.Alloc(buffer, GCHandleType.Pinned);
            memory.Buffer = (byte*)memory._pinned.AddrOfPinnedObject();
            return memory;
        }

        private static TransferMemory AllocateTransfer(int isoPackets)
        {
            var memory = new TransferMemory();
            var transfer = LibUsbNative.AllocTransfer(isoPackets);
            if (transfer == null)
            {
                throw new LibUsbException(LibUsbError.NoMem, "libusb_alloc_transfer");
            }

            memory.SetHandle((IntPtr)transfer);
            Interlocked.Increment(ref _liveNativeTransfers);
            return memory;
        }

        protected override bool ReleaseHandle()
        {
            if (_pinned.IsAllocated)
            {
                _pinned.Free();
            }
            else if (Buffer != null && !_borrowed)
            {
                NativeMemory.Free(Buffer);
            }

            Buffer = null;
            ((LibUsbTransferNative*)handle)->Buffer = null;
            LibUsbNative.FreeTransfer((LibUsbTransferNative*)handle);
            Interlocked.Decrement(ref _liveNativeTransfers);
            return true;
        }
    }
}
