from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class SignOutForm(FlaskForm):
    pass
