using Microsoft.Win32.SafeHandles;

namespace UsbMesh.Gadgets.MassStorage;

/// <summary>
/// An image file with 512-byte blocks. A missing image is created sparse with the configured size (the file system
/// allocates blocks only when written). Reads and writes go straight to the file with positional I/O; nothing is
/// buffered in this process, so <see cref="Flush"/> (SYNCHRONIZE CACHE, detach) only has to push the OS cache to disk.
/// </summary>
public sealed class ImageFileBlockStore : IBlockStore
{
    /// <summary>The block size of image files.</summary>
    public const int ImageBlockSize = 512;

    private readonly SafeFileHandle _handle;
    private bool _disposed;

    private ImageFileBlockStore(string path, SafeFileHandle handle, long length, bool readOnly, bool created)
    {
        Path = path;
        _handle = handle;
        BlockCount = length / ImageBlockSize;
        IsReadOnly = readOnly;
        Created = created;
    }

    /// <summary>The image path.</summary>
    public string Path { get; }

    /// <summary>True when <see cref="Open"/> created the image.</summary>
    public bool Created { get; }

    /// <inheritdoc />
    public int BlockSize => ImageBlockSize;

    /// <inheritdoc />
    public long BlockCount { get; }

    /// <inheritdoc />
    public bool IsReadOnly { get; }

    /// <summary>
    /// Opens the image at <paramref name="path"/>. An existing image keeps its own size (it must be a whole number of
    /// blocks); a missing one is created sparse with <paramref name="sizeBytes"/>, unless <paramref name="readOnly"/>
    /// (a read-only image must exist). A writable image is opened exclusively so two exports cannot corrupt it.
    /// </summary>
    /// <param name="path">Image file path.</param>
    /// <param name="sizeBytes">Size of a newly created image: a positive multiple of 512.</param>
    /// <param name="readOnly">Refuse writes (and do not create).</param>
    public static ImageFileBlockStore Open(string path, long sizeBytes, bool readOnly = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path))
        {
            var handle = File.OpenHandle(
                path,
                FileMode.Open,
                readOnly ? FileAccess.Read : FileAccess.ReadWrite,
                readOnly ? FileShare.Read : FileShare.None,
                FileOptions.RandomAccess);
            var length = RandomAccess.GetLength(handle);
            if (length <= 0 || length % ImageBlockSize != 0)
            {
                handle.Dispose();
                throw new InvalidDataException(
                    $"Image '{path}' is {length} bytes, not a positive whole number of {ImageBlockSize}-byte blocks.");
            }

            return new ImageFileBlockStore(path, handle, length, readOnly, created: false);
        }

        if (readOnly)
        {
            throw new FileNotFoundException($"Read-only image '{path}' does not exist.", path);
        }

        if (sizeBytes <= 0 || sizeBytes % ImageBlockSize != 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(sizeBytes), sizeBytes, $"An image size must be a positive multiple of {ImageBlockSize} bytes.");
        }

        var created = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.RandomAccess);
        try
        {
            // Extending with SetLength (ftruncate) leaves a hole: no data blocks are allocated until written.
            RandomAccess.SetLength(created, sizeBytes);
            RandomAccess.FlushToDisk(created);
        }
        catch
        {
            created.Dispose();
            File.Delete(path);
            throw;
        }

        return new ImageFileBlockStore(path, created, sizeBytes, readOnly: false, created: true);
    }

    /// <inheritdoc />
    public void Read(long byteOffset, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckRange(byteOffset, destination.Length);
        while (!destination.IsEmpty)
        {
            var read = RandomAccess.Read(_handle, destination, byteOffset);
            if (read <= 0)
            {
                throw new IOException($"Unexpected end of image '{Path}' at byte {byteOffset}.");
            }

            destination = destination[read..];
            byteOffset += read;
        }
    }

    /// <inheritdoc />
    public void Write(long byteOffset, ReadOnlySpan<byte> source)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsReadOnly)
        {
            throw new InvalidOperationException($"Image '{Path}' is read-only.");
        }

        CheckRange(byteOffset, source.Length);
        RandomAccess.Write(_handle, source, byteOffset);
    }

    /// <inheritdoc />
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsReadOnly)
        {
            RandomAccess.FlushToDisk(_handle);
        }
    }

    /// <summary>Flushes durably (writable images) and closes the file.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            if (!IsReadOnly)
            {
                RandomAccess.FlushToDisk(_handle);
            }
        }
        finally
        {
            _disposed = true;
            _handle.Dispose();
        }
    }

    private void CheckRange(long byteOffset, int count)
    {
        if (byteOffset < 0 || byteOffset + count > BlockCount * ImageBlockSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(byteOffset), byteOffset, $"Bytes {byteOffset}+{count} lie outside image '{Path}'.");
        }
    }
}
