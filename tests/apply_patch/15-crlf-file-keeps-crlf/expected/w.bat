@echo off
echo A
echo b
