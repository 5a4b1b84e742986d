"""The sign-in dialog: server, port, database, user, password, "remember", "Test connection".

Everything that touches the network or the keyring runs on the task runner's worker
(:mod:`discharge_hub.signin` does the work); the dialog only shows the outcome. The
password field is never saved anywhere; "remember" puts it in the operating system's
keyring (disabled, with the reason, where there is no usable keyring).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from discharge_hub import credentials, signin
from discharge_hub.errors import DomainError, ValidationError
from discharge_hub.ui.tasks import TaskRunner
from discharge_hub.ui.widgets import SpinBox

MESSAGE_STYLE = "QLabel { color: #6b0000; }"
OK_STYLE = "QLabel { color: #006747; }"


class SignInDialog(QDialog):
    """Ask who is signing in; on success ``result_signed_in`` holds the open database."""

    signed_in = Signal(object)  # signin.SignedIn

    def __init__(
        self,
        runner: TaskRunner,
        details: signin.ConnectionDetails | None = None,
        *,
        message: str | None = None,
        program: str = "Discharge Hub desktop",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.program = program
        self.result_signed_in: signin.SignedIn | None = None
        self.setWindowTitle("Sign in – Discharge Hub")
        self.setModal(True)
        self._build()
        self._fill(details or signin.ConnectionDetails("", 5432, "discharge_hub", ""))
        self.say(message, ok=False)
        self.runner.call("checking the keyring", credentials.keyring_status, self._on_keyring)

    # -- building ---------------------------------------------------------------------
    def _build(self) -> None:
        self.server, self.database, self.user = QLineEdit(), QLineEdit(), QLineEdit()
        self.port = SpinBox()
        self.port.setRange(1, 65535)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("&Remember my password on this computer (in its keyring)")
        self.keyring_note = QLabel()
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setVisible(False)
        form = QFormLayout()
        for label, widget, name in (
            ("Ser&ver", self.server, "Database server"),
            ("P&ort", self.port, "Port"),
            ("&Database", self.database, "Database name"),
            ("&User", self.user, "User name"),
            ("&Password", self.password, "Password"),
        ):
            widget.setAccessibleName(name)
            form.addRow(label, widget)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Sign-in message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_button = QPushButton("&Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.sign_in_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_in_button.setText("&Sign in")
        self.buttons.addButton(self.test_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.accepted.connect(self.sign_in)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Sign in to the shared Discharge Hub database as yourself."))
        layout.addLayout(form)
        layout.addWidget(self.remember)
        layout.addWidget(self.keyring_note)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(460, 0)

    def _fill(self, d: signin.ConnectionDetails) -> None:
        self.server.setText(d.host)
        self.port.setValue(d.port)
        self.database.setText(d.database)
        self.user.setText(d.user)
        first_empty = next(
            (w for w in (self.server, self.database, self.user) if not w.text()), None
        )
        (first_empty or self.password).setFocus()

    # -- state --------------------------------------------------------------------------
    def details(self) -> signin.ConnectionDetails:
        return signin.ConnectionDetails(
            self.server.text(), self.port.value(), self.database.text(), self.user.text()
        )

    def say(self, text: str | None, *, ok: bool) -> None:
        self.message.setText(text or "")
        self.message.setStyleSheet(OK_STYLE if ok else MESSAGE_STYLE)
        self.message.setVisible(bool(text))
        self.adjustSize()  # room for the message, never squeezing the fields

    def _busy(self, busy: bool, what: str = "") -> None:
        for w in (self.sign_in_button, self.test_button):
            w.setEnabled(not busy)
        if busy:
            self.say(what, ok=True)

    def _on_keyring(self, status: credentials.KeyringStatus) -> None:
        if status.usable:
            url = self.details().url()
            self.runner.call(
                "looking for a remembered password",
                lambda: credentials.stored_password(url) is not None,
                self._on_remembered,
            )
            return
        self.remember.setChecked(False)
        self.remember.setEnabled(False)
        self.keyring_note.setText(
            f"Your password cannot be remembered here: {status.reason}. "
            "You will be asked for it each time."
        )
        self.keyring_note.setVisible(True)

    def _on_remembered(self, found: bool) -> None:
        if found:
            self.remember.setChecked(True)
            self.password.setPlaceholderText("remembered — leave blank to use it")

    def _checked(self) -> signin.ConnectionDetails | None:
        try:
            return self.details().checked()
        except ValidationError as exc:
            self.say(f"{exc.field.capitalize()}: {exc.reason}.", ok=False)
            return None

    # -- actions -------------------------------------------------------------------------
    def test_connection(self) -> None:
        details = self._checked()
        if details is None:
            return
        password = self.password.text() or None
        self._busy(True, "Connecting…")
        self.runner.call(
            "testing the connection",
            lambda: signin.check_connection(details, password),
            lambda text: (self._busy(False), self.say(text, ok=True)),  # type: ignore[func-returns-value]
            self._on_failed,
        )

    def sign_in(self) -> None:
        details = self._checked()
        if details is None:
            return
        password, remember = self.password.text() or None, self.remember.isChecked()
        self._busy(True, "Signing in…")
        self.runner.call(
            "signing in",
            lambda: signin.sign_in(details, password, remember=remember, program=self.program),
            self._on_signed_in,
            self._on_failed,
        )

    def _on_signed_in(self, result: signin.SignedIn) -> None:
        self._busy(False)
        self.password.clear()
        self.result_signed_in = result
        self.signed_in.emit(result)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self._busy(False)
        if isinstance(exc, DomainError):
            self.say(str(exc), ok=False)
        else:
            self.say(
                "Signing in failed with an unexpected error (a crash report was shown).", ok=False
            )
        self.password.setFocus()
