using System.Diagnostics;
using System.Globalization;
using UsbMesh.Gadgets.MassStorage;

namespace UsbMesh.Gadgets.Tests.MassStorage;

public sealed class ImageFileBlockStoreTests : IDisposable
{
    private const long SixtyFourMiB = 64L * 1024 * 1024;

    private readonly string _directory = Directory.CreateTempSubdirectory("usbmesh-gadgets-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Missing_image_is_created_sparse_with_the_configured_size()
    {
        var path = Path.Combine(_directory, "stick.img");

        using (var store = ImageFileBlockStore.Open(path, SixtyFourMiB))
        {
            Assert.True(store.Created);
            Assert.Equal(131072, store.BlockCount);
            Assert.Equal(512, store.BlockSize);
        }

        Assert.Equal(SixtyFourMiB, new FileInfo(path).Length);
        if (AllocatedBytes(path) is { } allocated)
        {
            Assert.True(allocated < 1024 * 1024, $"a fresh 64 MiB image allocates {allocated} bytes");
        }
    }

    [Fact]
    public void Written_blocks_survive_flush_and_reopen()
    {
        var path = Path.Combine(_directory, "persist.img");
        var payload = Scsi.Pattern(1024, 5);
        using (var store = ImageFileBlockStore.Open(path, SixtyFourMiB))
        {
            var device = new ScsiBlockDevice(store);
            Assert.Equal(ScsiStatus.Good, Scsi.Run(device, Scsi.Write10(131070, 2), payload).Status);   // the last two blocks
            Assert.Equal(ScsiStatus.Good, Scsi.Run(device, [0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]).Status);
        }

        using var reopened = ImageFileBlockStore.Open(path, 512);   // an existing image keeps its size
        var (status, data) = Scsi.Run(new ScsiBlockDevice(reopened), Scsi.Read10(131070, 2));

        Assert.False(reopened.Created);
        Assert.Equal(131072, reopened.BlockCount);
        Assert.Equal(ScsiStatus.Good, status);
        Assert.Equal(payload, data);
    }

    [Fact]
    public void Read_only_image_refuses_writes_with_data_protect_and_reports_write_protect()
    {
        var path = Path.Combine(_directory, "ro.img");
        File.WriteAllBytes(path, Scsi.Pattern(8 * 512, 1));
        using var store = ImageFileBlockStore.Open(path, 0, readOnly: true);
        var device = new ScsiBlockDevice(store);

        var write = device.Begin(Scsi.Write10(0, 1));
        var writeStatus = device.Complete();
        var writeSense = device.Sense;
        var (_, modeHeader) = Scsi.Run(device, [0x1A, 0, 0x3F, 0, 4, 0]);
        var (_, data) = Scsi.Run(device, Scsi.Read10(0, 8));

        Assert.True(store.IsReadOnly);
        Assert.Equal(ScsiDataPhase.None, write);
        Assert.Equal(ScsiStatus.CheckCondition, writeStatus);
        Assert.Equal(new ScsiSense(0x07, 0x27, 0x00), writeSense);
        Assert.Equal(0x80, modeHeader[2]);
        Assert.Equal(File.ReadAllBytes(path), data);
        Assert.Throws<InvalidOperationException>(() => store.Write(0, new byte[512]));
    }

    [Fact]
    public void Missing_read_only_image_is_not_created()
    {
        var path = Path.Combine(_directory, "absent.img");

        Assert.Throws<FileNotFoundException>(() => ImageFileBlockStore.Open(path, SixtyFourMiB, readOnly: true));
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1000L)]
    [InlineData(-512L)]
    public void New_image_size_must_be_a_positive_multiple_of_512(long size)
    {
        var path = Path.Combine(_directory, "bad-size.img");

        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFileBlockStore.Open(path, size));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Existing_image_that_is_not_whole_blocks_is_refused()
    {
        var path = Path.Combine(_directory, "ragged.img");
        File.WriteAllBytes(path, new byte[1000]);

        Assert.Throws<InvalidDataException>(() => ImageFileBlockStore.Open(path, 1024));
    }

    [Fact]
    public void A_writable_image_is_opened_exclusively()
    {
        var path = Path.Combine(_directory, "exclusive.img");
        using var first = ImageFileBlockStore.Open(path, 4096);

        Assert.Throws<IOException>(() => ImageFileBlockStore.Open(path, 4096));
    }

    [Fact]
    public void Access_outside_the_image_is_refused()
    {
        using var store = ImageFileBlockStore.Open(Path.Combine(_directory, "small.img"), 1024);

        Assert.Throws<ArgumentOutOfRangeException>(() => store.Read(512, new byte[1024]));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.Write(-1, new byte[1]));
    }

    [Fact]
    public void Bulk_only_writes_reach_the_image_file()
    {
        var path = Path.Combine(_directory, "bot.img");
        var payload = Scsi.Pattern(2048, 77);
        using (var store = ImageFileBlockStore.Open(path, SixtyFourMiB))
        {
            var transport = new BulkOnlyTransport(new ScsiBlockDevice(store));
            var cbw = new byte[31];
            var cdb = Scsi.Write10(100, 4);
            new CommandBlockWrapper(1, 2048, 0x00, 0, (byte)cdb.Length).WriteTo(cbw, cdb);
            transport.HandleOut(cbw);
            transport.HandleOut(payload.AsSpan(0, 1536));
            transport.HandleOut(payload.AsSpan(1536));
            var csw = new byte[13];
            transport.ProduceIn(csw);
            Assert.Equal(0, csw[12]);
        }

        using var file = File.OpenRead(path);
        var back = new byte[2048];
        file.Position = 100 * 512;
        file.ReadExactly(back);
        Assert.Equal(payload, back);
    }

    /// <summary>Bytes the file system allocated for <paramref name="path"/> (stat %b × %B); null where stat is unavailable.</summary>
    private static long? AllocatedBytes(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%b %B", path]) { RedirectStandardOutput = true });
            if (stat is null)
            {
                return null;
            }

            var output = stat.StandardOutput.ReadToEnd().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            stat.WaitForExit();
            return stat.ExitCode == 0
                ? long.Parse(output[0], CultureInfo.InvariantCulture) * long.Parse(output[1], CultureInfo.InvariantCulture)
                : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
