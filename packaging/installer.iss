; Inno Setup 6.3+ script: per-machine, 64-bit install of the PyInstaller one-folder build.
;
; Build (what .github/workflows/windows-installer.yml does; nothing here types a version):
;   python -m PyInstaller --noconfirm packaging\attendance_desktop.spec
;   for /f %v in ('python packaging\version.py') do set V=%v
;   for /f %v in ('python packaging\version.py --numeric') do set N=%v
;   for /f %v in ('python packaging\version.py --get INSTANCE_NAME') do set I=%v
;   iscc /DAppVersion=%V% /DAppVersionNumeric=%N% /DInstanceName=%I% packaging\installer.iss
; Output: dist\installer\AttendanceDesktopSetup-<version>.exe
;
; What it does
; - Installs dist\AttendanceDesktop (AttendanceDesktop.exe for staff, attendance-desktop.exe
;   for IT, _internal\) into C:\Program Files\Attendance Desktop. Needs an administrator.
; - Creates the school's shared data folder %ProgramData%\AttendanceDesktop, which every
;   staff account on the PC uses (one school per PC). Windows gives a new folder under
;   ProgramData read-only access for ordinary accounts (only its creator may change what they
;   create), so Setup grants the local Users group "modify" on it, inherited by everything
;   inside ([Dirs] Permissions, plus an icacls step for a folder left by an earlier version).
;   With the task "restrictdata" only members of the local group AttendanceDesktopUsers
;   (made by Setup; Setup adds the account that ran it), Administrators and SYSTEM can open
;   it; IT adds each staff account:  net localgroup AttendanceDesktopUsers "NAME" /add
;   (the account signs out and in again before it counts).
; - Never deletes data: the data folder is not removed on upgrade or uninstall, and the
;   uninstaller says so. An upgrade replaces the program folder only.
; - Will not install while the app runs: AppMutex is the app's single-instance name
;   (INSTANCE_NAME in attendance_desktop/__init__.py, passed in as /DInstanceName).
; - Start menu: Attendance Desktop, Attendance Desktop sign-in kiosk, the uninstaller.
;   Tasks: a desktop icon; attendance-desktop on the system PATH for IT.
; - Optional machine config file %ProgramData%\AttendanceDesktop\attendance-desktop.ini
;   (section [attendance-desktop], keys data_dir and db_url) for a data folder elsewhere or a
;   PostgreSQL server: written only when /DATADIR= or /DBURL= is given (an existing file is
;   kept as attendance-desktop.ini.bak). Note a db_url with a password is readable by the
;   app's users.
;
; Silent install (IT, software deployment):
;   AttendanceDesktopSetup-X.Y.Z.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
;       [/DIR="D:\Apps\Attendance Desktop"]      program folder (not the data folder)
;       [/TASKS="desktopicon,addtopath"]         tasks: desktopicon, addtopath, restrictdata
;                                                (/TASKS replaces the defaults; "" = none)
;       [/DATADIR="\\server\share\attendance"]   write data_dir into the machine config
;       [/DBURL="postgresql+psycopg://attendance@db.school.lan/attendance"]   or db_url
;       [/LOG="C:\Windows\Temp\attendance-setup.log"]
;   Exit code 0 = installed (see Inno Setup's "Setup Exit Codes"). Close the app on the PC
;   first: while it runs, Setup stops and asks for it to be closed (AppMutex), silent or not.
;   Silent uninstall (keeps the data):
;   "C:\Program Files\Attendance Desktop\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=... (python packaging\version.py prints it)
#endif
#ifndef AppVersionNumeric
  #error Pass the four-part version: iscc /DAppVersionNumeric=... (python packaging\version.py --numeric)
#endif
#ifndef InstanceName
  #error Pass the single-instance name: iscc /DInstanceName=... (python packaging\version.py --get INSTANCE_NAME)
#endif
#ifndef DistDir
  #define DistDir "..\dist\AttendanceDesktop"
#endif
#define AppName "Attendance Desktop"
#define DataDir "{commonappdata}\AttendanceDesktop"
#define UsersGroup "AttendanceDesktopUsers"

[Setup]
; The AppId identifies the installation for upgrades: never change it.
AppId={{6C1A4C36-7E0B-4C8E-9C55-3B7B2E6D1A01}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppName}
VersionInfoVersion={#AppVersionNumeric}
VersionInfoProductVersion={#AppVersionNumeric}
VersionInfoDescription={#AppName} Setup
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
AppMutex={#InstanceName},Global\{#InstanceName}
CloseApplications=yes
RestartApplications=no
ChangesEnvironment=yes
SetupIconFile=icon.ico
UninstallDisplayIcon={app}\AttendanceDesktop.exe
UninstallDisplayName={#AppName}
OutputDir=..\dist\installer
OutputBaseFilename=AttendanceDesktopSetup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
SetupLogging=yes

[Messages]
ConfirmUninstall=Remove %1 from this computer?%n%nThe school's data (registers, backups, logs and letters in C:\ProgramData\AttendanceDesktop, or wherever IT pointed it) is NOT removed: reinstalling brings it back. Delete that folder yourself only if the school no longer needs the records.
UninstalledAll=%1 was removed from this computer.%n%nThe school's data in C:\ProgramData\AttendanceDesktop was kept.

[Tasks]
Name: "desktopicon"; Description: "Create a desktop icon"; GroupDescription: "Shortcuts:"; Flags: unchecked
Name: "addtopath"; Description: "Add attendance-desktop (the command line for IT) to the system PATH"; GroupDescription: "For IT:"; Flags: unchecked
Name: "restrictdata"; Description: "Only members of the local group {#UsersGroup} may open the school's data (add staff accounts to it afterwards)"; GroupDescription: "For IT:"; Flags: unchecked

[InstallDelete]
; An upgrade must not mix the old version's libraries with the new ones (data is elsewhere).
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Dirs]
; The shared data folder. uninsneveruninstall: uninstalling never removes it (nor upgrades).
Name: "{#DataDir}"; Permissions: users-modify; Flags: uninsneveruninstall; Tasks: not restrictdata
Name: "{#DataDir}"; Flags: uninsneveruninstall; Tasks: restrictdata

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\AttendanceDesktop.exe"; Comment: "Registers, leave, trackers and letters"
Name: "{group}\{#AppName} sign-in kiosk"; Filename: "{app}\AttendanceDesktop.exe"; Parameters: "kiosk"; Comment: "The late-arrival sign-in kiosk"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\AttendanceDesktop.exe"; Tasks: desktopicon

[Registry]
; attendance-desktop.exe on PATH: the program folder holds only the two .exe files.
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
; A data folder left by an earlier install or made before this installer existed may lack the
; grant; icacls adds it (SID S-1-5-32-545 = the local Users group, any Windows language).
; icacls re-applies inheritance to what is already inside. Not shown; never fails Setup.
Filename: "{sys}\icacls.exe"; Parameters: """{#DataDir}"" /grant *S-1-5-32-545:(OI)(CI)M /Q"; Flags: runhidden; StatusMsg: "Sharing the data folder with this PC's staff accounts..."; Tasks: not restrictdata
; restrictdata: own group, no inherited entries, Users removed; SYSTEM (S-1-5-18) and
; Administrators (S-1-5-32-544) keep full control so backups and IT still work.
Filename: "{sys}\net.exe"; Parameters: "localgroup {#UsersGroup} /add /comment:""May open Attendance Desktop's data"""; Flags: runhidden; Tasks: restrictdata
Filename: "{sys}\net.exe"; Parameters: "localgroup {#UsersGroup} ""{username}"" /add"; Flags: runhidden; Tasks: restrictdata
Filename: "{sys}\icacls.exe"; Parameters: """{#DataDir}"" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F {#UsersGroup}:(OI)(CI)M /Q"; Flags: runhidden; StatusMsg: "Limiting the data folder to {#UsersGroup}..."; Tasks: restrictdata
Filename: "{sys}\icacls.exe"; Parameters: """{#DataDir}"" /remove:g *S-1-5-32-545 /Q"; Flags: runhidden; Tasks: restrictdata
Filename: "{app}\AttendanceDesktop.exe"; Description: "Open {#AppName}"; Flags: nowait postinstall skipifsilent

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKLM, 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment', 'Path', Path) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') = 0;
end;

{ Uninstall takes our folder off the system PATH again (whatever else is there stays). }
procedure RemoveFromPath(Dir: string);
var
  Path, Upper, Needle: string;
  P: Integer;
begin
  if not RegQueryStringValue(HKLM, 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment', 'Path', Path) then
    exit;
  Path := ';' + Path + ';';
  Upper := Uppercase(Path);
  Needle := ';' + Uppercase(Dir) + ';';
  P := Pos(Needle, Upper);
  if P = 0 then
    exit;
  Delete(Path, P, Length(Needle) - 1);
  Path := Copy(Path, 2, Length(Path) - 2);
  RegWriteExpandStringValue(HKLM, 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment', 'Path', Path);
end;

{ /DATADIR= and /DBURL= write the machine config file (UTF-8, which the app reads). }
procedure WriteMachineConfig();
var
  DataDirValue, DbUrlValue, FileName: string;
  Lines: TArrayOfString;
  Count: Integer;
begin
  DataDirValue := ExpandConstant('{param:DATADIR|}');
  DbUrlValue := ExpandConstant('{param:DBURL|}');
  if (DataDirValue = '') and (DbUrlValue = '') then
    exit;
  FileName := ExpandConstant('{#DataDir}\attendance-desktop.ini');
  if FileExists(FileName) then
    FileCopy(FileName, FileName + '.bak', False);
  Count := 3;
  SetArrayLength(Lines, 4);
  Lines[0] := '; Written by Attendance Desktop Setup. Every account on this PC uses these settings.';
  Lines[1] := '; --data-dir, --db-url and the ATTENDANCE_* environment variables still win.';
  Lines[2] := '[attendance-desktop]';
  if DataDirValue <> '' then
  begin
    Lines[Count] := 'data_dir = ' + DataDirValue;
    Count := Count + 1;
  end;
  if DbUrlValue <> '' then
  begin
    SetArrayLength(Lines, Count + 1);
    Lines[Count] := 'db_url = ' + DbUrlValue;
    Count := Count + 1;
  end;
  SetArrayLength(Lines, Count);
  if not SaveStringsToUTF8File(FileName, Lines, False) then
    Log('Could not write ' + FileName);
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if CurStep = ssPostInstall then
    WriteMachineConfig();
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usUninstall then
    RemoveFromPath(ExpandConstant('{app}'));
end;
