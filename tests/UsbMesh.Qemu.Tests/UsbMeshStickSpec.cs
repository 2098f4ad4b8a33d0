using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using UsbMesh.Actors;
using UsbMesh.Devices;
using UsbMesh.Gadgets.Backends;
using UsbMesh.Usbipd;

namespace UsbMesh.Qemu.Tests;

/// <summary>
/// The issue's "done when": a stock Linux kernel (Debian's, under QEMU) imports UsbMesh gadgets over USB/IP from
/// an endpoint in this test process, mounts the stick and reads back what it wrote, and receives keys typed on the
/// keyboard gadget. Detaching leaves nothing stuck on either side.
/// </summary>
public sealed partial class UsbMeshStickSpec(ITestOutputHelper output) : IAsyncDisposable
{
    private const string StickBusId = "100-1";
    private const string KeyboardBusId = "100-2";
    private const long ImageSize = 64L * 1024 * 1024;
    private const long RawOffset = 32L * 1024 * 1024;
    private const int RawLength = 16 * 1024 * 1024;
    private const int FileLength = 16 * 1024 * 1024;

    // struct input_event on x86_64: timeval (16 bytes), u16 type, u16 code, s32 value.
    private const int InputEventSize = 24;
    private const int EvKey = 1;
    private const int KeyH = 35;
    private const int KeyI = 23;

    private static readonly TimeSpan GuestLimit = TimeSpan.FromSeconds(160);
    private static readonly TimeSpan AskLimit = TimeSpan.FromSeconds(10);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("usbmesh-stick-");
    private readonly List<string> _hostLog = [];
    private ActorSystem? _system;

    public async ValueTask DisposeAsync()
    {
        if (_system is not null)
        {
            await _system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
        }

        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the image is a sparse temp file.
        }
    }

    [QemuFact]
    public async Task A_stock_kernel_mounts_a_UsbMesh_stick_reads_back_what_it_wrote_and_receives_typed_keys()
    {
        var clock = Stopwatch.StartNew();
        var imagePath = Path.Combine(_directory.FullName, "stick.img");
        _system = ActorSystem.Create("qemu-e2e");
        var exports = _system.ActorOf(ExportsActor.Props(), "exports");
        var stick = GadgetFactory.Create(new MassStorageSettings("stick", imagePath, ImageSize));
        var keyboard = (KeyboardGadget)GadgetFactory.Create(new KeyboardSettings("keys"));
        var stickActor = _system.ActorOf(UsbDeviceActor.Props(stick), "stick");
        var keyboardActor = _system.ActorOf(UsbDeviceActor.Props(keyboard), "keys");
        await Register(exports, StickBusId, 1, stickActor);
        await Register(exports, KeyboardBusId, 2, keyboardActor);
        var listener = _system.ActorOf(
            UsbipdListener.Props(exports, new UsbipdSettings { Enabled = true, Endpoint = new IPEndPoint(IPAddress.Loopback, 0) }),
            "usbipd");
        var usbipPort = (await listener.Ask<Usbipd.Usbipd.Bound>(Usbipd.Usbipd.GetBinding.Instance, AskLimit)).Endpoint!.Port;

        // The guest talks to the test over a second socket: "kbd-ready" (the host then types) and "detached" (the
        // host then checks that both gadgets are free again while the guest is still running).
        using var control = new TcpListener(IPAddress.Loopback, 0);
        control.Start();
        var controlPort = ((IPEndPoint)control.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        string? freeCheck = null;
        var typed = false;
        var server = ServeAsync(control, stop.Token, async command =>
        {
            switch (command)
            {
                case "kbd-ready":
                    await keyboard.TypeAsync("hi").WaitAsync(TimeSpan.FromSeconds(20));
                    typed = true;
                    return "typed";
                case "detached":
                    freeCheck = await CheckFreeAsync(listener, exports, [stickActor, keyboardActor]);
                    return freeCheck;
                default:
                    return "unknown-command";
            }
        });

        await using var guest = await QemuGuest.StartAsync(
            new QemuGuestOptions { Timeout = GuestLimit, Script = GuestScript(usbipPort, controlPort) },
            Log);
        var result = await guest.WaitAsync();
        await stop.CancelAsync();
        await server;
        Log($"boot to READY: {result.BootTime?.TotalSeconds.ToString("F1") ?? "never"} s, guest total "
            + $"{result.Elapsed.TotalSeconds:F1} s, guest exit {result.ExitCode?.ToString() ?? "none"}, timed out: {result.TimedOut}");
        foreach (var line in _hostLog)
        {
            Log("host: " + line);
        }

        Assert.False(result.TimedOut, "guest timed out:\n" + result.Output);
        Assert.True(result.ExitCode == 0, $"guest exit code {result.ExitCode}:\n{result.Output}");
        var values = Markers(result.Output);

        // 1. Filesystem round trip through a detach/attach: the kernel read the file back from the gadget.
        Assert.Matches("^[0-9a-f]{64}$", values["CHECKSUM-WRITE"]);
        Assert.Equal(values["CHECKSUM-WRITE"], values["CHECKSUM-READ"]);

        // 2. Raw device round trip, and the same bytes are in the host's image file at the same offset.
        Assert.Matches("^[0-9a-f]{64}$", values["CHECKSUM-RAW-WRITE"]);
        Assert.Equal(values["CHECKSUM-RAW-WRITE"], values["CHECKSUM-RAW-READ"]);

        // The gadget's image stays open (exclusively) until its actor stops; stop the node before reading it.
        await _system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
        _system = null;
        var image = await ReadImageAsync(imagePath);
        Assert.Equal(ImageSize, image.Length);
        Assert.Equal(values["CHECKSUM-RAW-WRITE"], Sha256(image.AsSpan((int)RawOffset, RawLength)));

        // The 16 MiB file of the vfat round trip is in the image too (a fresh vfat allocates it contiguously):
        // find its first 4 KiB by checksum, then compare the whole file.
        var fileOffset = FindBlock(image, values["CHECKSUM-HEAD4K"], 4096);
        Assert.True(fileOffset >= 0, "the vfat file's first 4 KiB are not in the image");
        Assert.Equal(values["CHECKSUM-WRITE"], Sha256(image.AsSpan(fileOffset, FileLength)));

        // 3. Keyboard: the guest's evdev saw KEY_H and KEY_I pressed and released, in that order.
        Assert.True(typed, "the guest never asked the host to type:\n" + result.Output);
        var events = ReadKeyEvents(Path.Combine(guest.WorkDirectory, "kbd.bin"));
        Log("key events: " + string.Join(", ", events.Select(e => $"{e.Code}={e.Value}")));
        var expected = new List<(int Code, int Value)> { (KeyH, 1), (KeyH, 0), (KeyI, 1), (KeyI, 0) };
        Assert.Equal(expected, events.Where(e => e.Value is 0 or 1).ToList());

        // 4. Detach leaves nothing stuck: the host saw no connection and could claim both gadgets while the guest
        // was still up; the guest has no imported port and still lists both devices.
        Assert.Equal("free connections=0 claims=2", freeCheck);
        Assert.Equal("0", values["PORTS-IN-USE"]);
        Assert.Equal("ok", values["LIST-AFTER"]);
        Log($"whole test: {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static string GuestScript(int port, int controlPort) => $$"""
        set -u
        PORT={{port}}
        CTL={{controlPort}}
        HOST=10.0.2.2
        step() { echo "STEP $1 uptime=$(cut -d' ' -f1 /proc/uptime)"; }
        fail() { echo "GUEST-FAIL: $*"; usbip port; dmesg | tail -n 60; exit 1; }
        attach() { usbip --tcp-port $PORT attach -r $HOST -b $1 || fail "attach $1"; }
        detach_all() {
          for p in $(usbip port 2>/dev/null | sed -n 's/^Port \([0-9][0-9]*\):.*/\1/p'); do
            usbip detach -p $p || fail "detach $p"
          done
        }
        first_disk() { ls /sys/block | grep '^sd' | head -n 1; }
        wait_disk() {
          i=0
          while [ $i -lt 120 ]; do
            d=$(first_disk)
            if [ -n "$d" ] && [ -b /dev/$d ] && [ "$(cat /sys/block/$d/size)" -gt 0 ]; then echo $d; return 0; fi
            sleep 0.25; i=$((i+1))
          done
          return 1
        }
        wait_no_disk() {
          i=0
          while [ -n "$(first_disk)" ]; do
            [ $i -ge 80 ] && return 1
            sleep 0.25; i=$((i+1))
          done
        }

        echo 1 > /proc/sys/kernel/printk
        step start
        modprobe vhci-hcd || fail "modprobe vhci-hcd"
        usbip --tcp-port $PORT list -r $HOST || fail "usbip list"
        mkdir -p /mnt/stick

        step attach-1
        attach {{StickBusId}}
        DISK=$(wait_disk) || fail "no /dev/sd* after the first attach"
        echo "DISK=$DISK sectors=$(cat /sys/block/$DISK/size)"
        usbip port
        mkdosfs -n USBMESH /dev/$DISK || fail mkdosfs
        mount -t vfat -o iocharset=utf8 /dev/$DISK /mnt/stick || fail "mount 1"
        step write-file
        dd if=/dev/urandom of=/mnt/stick/data.bin bs=1M count=16 2>/dev/null || fail "write file"
        sync
        echo "CHECKSUM-WRITE=$(sha256sum /mnt/stick/data.bin | cut -d' ' -f1)"
        echo "CHECKSUM-HEAD4K=$(head -c 4096 /mnt/stick/data.bin | sha256sum | cut -d' ' -f1)"
        umount /mnt/stick || fail "umount 1"
        step write-raw
        dd if=/dev/urandom of=/tmp/raw.bin bs=1M count=16 2>/dev/null
        echo "CHECKSUM-RAW-WRITE=$(sha256sum /tmp/raw.bin | cut -d' ' -f1)"
        dd if=/tmp/raw.bin of=/dev/$DISK bs=1M seek=32 conv=fsync 2>/dev/null || fail "raw write"
        rm /tmp/raw.bin
        sync
        step detach-1
        detach_all
        wait_no_disk || fail "the disk did not go away after detach"

        step attach-2
        attach {{StickBusId}}
        DISK=$(wait_disk) || fail "no /dev/sd* after the second attach"
        echo "DISK=$DISK"
        mount -t vfat -o iocharset=utf8 /dev/$DISK /mnt/stick || fail "mount 2"
        step read-file
        echo "CHECKSUM-READ=$(sha256sum /mnt/stick/data.bin | cut -d' ' -f1)"
        umount /mnt/stick || fail "umount 2"
        step read-raw
        echo "CHECKSUM-RAW-READ=$(dd if=/dev/$DISK bs=1M skip=32 count=16 2>/dev/null | sha256sum | cut -d' ' -f1)"
        step detach-2
        detach_all
        wait_no_disk || fail "the disk did not go away after the second detach"

        step keyboard
        before=" $(ls /dev/input | tr '\n' ' ') "
        attach {{KeyboardBusId}}
        EV=""
        i=0
        while [ -z "$EV" ] && [ $i -lt 80 ]; do
          for e in /dev/input/event*; do
            case "$before" in *" $(basename $e) "*) ;; *) EV=$e ;; esac
          done
          [ -n "$EV" ] || sleep 0.25
          i=$((i+1))
        done
        [ -n "$EV" ] || fail "no new /dev/input/event* after attaching the keyboard"
        echo "KEYBOARD=$EV name=$(cat /sys/class/input/$(basename $EV)/device/name)"
        cat $EV > /tmp/kbd.bin &
        CAT=$!
        i=0
        while ! ls -l /proc/$CAT/fd 2>/dev/null | grep -q "$EV" && [ $i -lt 40 ]; do sleep 0.1; i=$((i+1)); done
        reply=$(echo kbd-ready | nc -w 30 $HOST $CTL)
        echo "HOST-REPLY=$reply"
        [ "$reply" = typed ] || fail "the host did not type"
        i=0
        while [ $(stat -c %s /tmp/kbd.bin) -lt 288 ] && [ $i -lt 40 ]; do sleep 0.25; i=$((i+1)); done
        sleep 0.5
        kill $CAT
        cp /tmp/kbd.bin /mnt/usbmesh/kbd.bin
        hexdump -C /tmp/kbd.bin | head -n 40
        step detach-keyboard
        detach_all
        i=0
        while [ -e $EV ] && [ $i -lt 80 ]; do sleep 0.25; i=$((i+1)); done
        [ -e $EV ] && fail "$EV still there after detach"

        step after
        usbip port
        echo "PORTS-IN-USE=$(usbip port 2>/dev/null | grep -c '^Port')"
        reply=$(echo detached | nc -w 30 $HOST $CTL)
        echo "HOST-CHECK=$reply"
        if usbip --tcp-port $PORT list -r $HOST > /tmp/list.txt; then
          cat /tmp/list.txt
          grep -q '{{StickBusId}}:' /tmp/list.txt && grep -q '{{KeyboardBusId}}:' /tmp/list.txt && echo LIST-AFTER=ok || echo LIST-AFTER=missing
        else
          echo LIST-AFTER=failed
        fi
        step done
        """;

    private static async Task Register(IActorRef exports, string busId, int devNum, IActorRef device)
    {
        var answer = await exports.Ask<object>(
            new Exports.Register(new ExportedDevice(busId, $"/sys/devices/usbmesh/gadgets/{busId}", 100, devNum, device)), AskLimit);
        Assert.IsType<Exports.Registered>(answer);
    }

    /// <summary>After the guest detached: no usbipd connection is left, and each device can be claimed (and released).</summary>
    private async Task<string> CheckFreeAsync(IActorRef listener, IActorRef exports, IReadOnlyList<IActorRef> devices)
    {
        var connections = -1;
        for (var deadline = Stopwatch.StartNew(); deadline.Elapsed < TimeSpan.FromSeconds(10); await Task.Delay(100))
        {
            connections = (await listener.Ask<Usbipd.Usbipd.Bound>(Usbipd.Usbipd.GetBinding.Instance, AskLimit)).Connections;
            if (connections == 0)
            {
                break;
            }
        }

        var listed = await exports.Ask<Exports.Devices>(Exports.List.Instance, AskLimit);
        HostLog($"exports after detach: {string.Join(", ", listed.Items.Select(d => d.BusId))}");
        var claims = 0;
        var holder = _system!.ActorOf(Props.Create(() => new Holder()), "free-check");
        foreach (var device in devices)
        {
            var answer = await device.Ask<object>(new UsbDevice.Claim(holder), AskLimit);
            HostLog($"claim {device.Path}: {answer.GetType().Name}");
            if (answer is UsbDevice.Claimed)
            {
                claims++;
                await device.Ask<object>(new UsbDevice.Release(holder), AskLimit);
            }
        }

        _system.Stop(holder);
        return $"free connections={connections} claims={claims}";
    }

    private async Task ServeAsync(TcpListener listener, CancellationToken stop, Func<string, Task<string>> handle)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            using (client)
            {
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                    timeout.CancelAfter(TimeSpan.FromSeconds(40));
                    var stream = client.GetStream();
                    using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                    var command = (await reader.ReadLineAsync(timeout.Token))?.Trim() ?? "";
                    HostLog($"guest says '{command}'");
                    var reply = await handle(command);
                    HostLog($"host replies '{reply}'");
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(reply + "\n"), timeout.Token);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or TimeoutException or AskTimeoutException)
                {
                    HostLog($"control connection failed: {e.GetType().Name}: {e.Message}");
                }
            }
        }
    }

    private static Dictionary<string, string> Markers(string output)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match match in MarkerLine().Matches(output))
        {
            values[match.Groups[1].Value] = match.Groups[2].Value.Trim();
        }

        foreach (var name in new[] { "CHECKSUM-WRITE", "CHECKSUM-HEAD4K", "CHECKSUM-READ", "CHECKSUM-RAW-WRITE", "CHECKSUM-RAW-READ", "PORTS-IN-USE", "LIST-AFTER" })
        {
            Assert.True(values.ContainsKey(name), $"the guest printed no {name}=:\n{output}");
        }

        return values;
    }

    private static async Task<byte[]> ReadImageAsync(string path)
    {
        // The device actor disposes its gadget (closing the image) asynchronously after it stops.
        for (var deadline = Stopwatch.StartNew(); ; await Task.Delay(100))
        {
            try
            {
                return await File.ReadAllBytesAsync(path);
            }
            catch (IOException) when (deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                // Still open; retry.
            }
        }
    }

    private static int FindBlock(byte[] image, string sha256, int length)
    {
        for (var offset = 0; offset + length <= image.Length; offset += 512)
        {
            if (Sha256(image.AsSpan(offset, length)) == sha256)
            {
                return offset;
            }
        }

        return -1;
    }

    private static string Sha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static List<(int Code, int Value)> ReadKeyEvents(string path)
    {
        Assert.True(File.Exists(path), "the guest left no kbd.bin");
        var bytes = File.ReadAllBytes(path);
        var events = new List<(int Code, int Value)>();
        for (var offset = 0; offset + InputEventSize <= bytes.Length; offset += InputEventSize)
        {
            var record = bytes.AsSpan(offset, InputEventSize);
            if (BinaryPrimitives.ReadUInt16LittleEndian(record[16..]) == EvKey)
            {
                events.Add((BinaryPrimitives.ReadUInt16LittleEndian(record[18..]), BinaryPrimitives.ReadInt32LittleEndian(record[20..])));
            }
        }

        return events;
    }

    private void HostLog(string line)
    {
        lock (_hostLog)
        {
            _hostLog.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
        }
    }

    private void Log(string line)
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test has finished.
        }
    }

    [GeneratedRegex(@"^([A-Z0-9-]+)=(.*)$", RegexOptions.Multiline)]
    private static partial Regex MarkerLine();

    /// <summary>Holds a device's lease during the free check.</summary>
    private sealed class Holder : ReceiveActor;
}
