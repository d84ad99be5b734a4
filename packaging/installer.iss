; Inno Setup script: per-machine install of the PyInstaller one-folder build.
; Build the folder first (pyinstaller packaging/attendance_desktop.spec), then compile this.
; Data is not in the install folder: it lives in each user's data folder (platformdirs),
; or where ATTENDANCE_DATA_DIR points, so upgrades and uninstalls never touch registers.
#define AppName "Attendance Desktop"
#define AppVersion "0.1.0"

[Setup]
AppId={{6C1A4C36-7E0B-4C8E-9C55-3B7B2E6D1A01}
AppName={#AppName}
AppVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
PrivilegesRequired=admin
OutputBaseFilename=AttendanceDesktopSetup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
UninstallDisplayIcon={app}\AttendanceDesktop.exe

[Files]
Source: "..\dist\AttendanceDesktop\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\AttendanceDesktop.exe"
Name: "{group}\{#AppName} sign-in kiosk"; Filename: "{app}\AttendanceDesktop.exe"; Parameters: "kiosk"
Name: "{commondesktop}\{#AppName}"; Filename: "{app}\AttendanceDesktop.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop icon"; Flags: unchecked
